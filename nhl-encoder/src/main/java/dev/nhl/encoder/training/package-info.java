/**
 * Training Nested Hash Layer heads: {@link dev.nhl.encoder.training.NhlTrainer} trains a
 * {@link dev.nhl.encoder.training.NhlHead} from features and {@link dev.nhl.encoder.training.Labels}
 * as {@link dev.nhl.encoder.training.TrainerConfig} says (objective per length, dominance-aware
 * weighting, cascade distillation, centres), {@link dev.nhl.encoder.training.BackboneLabels}
 * derives labels from a backbone's classifier when photos carry none, and
 * {@link dev.nhl.encoder.training.RetrievalMetrics} scores codes by mAP. {@link
 * dev.nhl.encoder.training.IdxFiles} reads data sets in the IDX format (Fashion-MNIST).
 */
package dev.nhl.encoder.training;

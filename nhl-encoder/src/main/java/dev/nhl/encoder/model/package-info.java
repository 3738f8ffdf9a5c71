/**
 * The contract between nhl model files and the code that runs them: tensor names, metadata
 * properties and binarisation ({@link dev.nhl.encoder.model.ModelContract}). The bottom layer of
 * nhl-encoder: it depends on nothing but nhl-index, and runtime encoding, training and model
 * editing all build on it.
 */
package dev.nhl.encoder.model;

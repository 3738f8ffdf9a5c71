/**
 * Images in: {@link dev.nhl.encoder.image.ImageDecoder} reads image files into upright pixels
 * (EXIF orientation, grayscale and CMYK JPEGs included), {@link dev.nhl.encoder.image.Preprocessing}
 * resizes, crops and normalises them into a model's input tensor, and
 * {@link dev.nhl.encoder.image.PerceptualHash} hashes them for near-duplicate detection.
 */
package dev.nhl.encoder.image;

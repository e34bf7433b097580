#pragma once

#include "ImageTensor.h"

#include <string>

namespace unetpp
{

/**
 * Throws std::invalid_argument when `path` cannot receive an output image: an extension other than .nii,
 * .nii.gz, .nrrd, .mha or (2D only) .png, or a folder that does not exist or cannot be written. Called before
 * inference, so that a bad output path fails in seconds.
 */
void checkOutputPath(const std::string & path, unsigned dimension, const std::string & option);

/**
 * Writes a labelmap [z, y, x] of label values with the reference image's origin, spacing and direction,
 * as a 2D image when `dimension` is 2. 8-bit when every label fits, 16-bit otherwise. The file is written
 * under a temporary name and renamed when complete.
 */
void writeLabelmap(const torch::Tensor & labels, const VectorVolume * reference, unsigned dimension,
                   const std::string & path);

/** Writes per-class probabilities [classes, z, y, x] as a multi-component float image, like writeLabelmap. */
void writeProbabilities(const torch::Tensor & probabilities, const VectorVolume * reference, unsigned dimension,
                        const std::string & path);

} // namespace unetpp

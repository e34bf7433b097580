#pragma once

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

namespace unetpp
{

/**
 * Applies a model's intensity normalisation to an image tensor [channels, ...] of any spatial rank.
 * Each channel is normalised on its own. Returns a new float32 tensor; throws std::invalid_argument when
 * the image holds NaN or infinite values, since they would spread through every convolution.
 */
torch::Tensor normalizeIntensities(const torch::Tensor & image, const IntensityNormalization & normalization);

} // namespace unetpp

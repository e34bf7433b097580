#pragma once

#include <torch/torch.h>

#include <array>

namespace unetpp
{

/** An image's direction cosines as ITK stores them: row-major 3x3, column j is the direction of index axis j. */
using DirectionMatrix = std::array<double, 9>;

/**
 * How to present an image to a network in the orientation it was trained on, without resampling: the
 * index axes are permuted and flipped so that each one points along the training image's axis it is most
 * parallel to. Axis j of the presented image is the input's axis `sourceAxis[j]`, reversed when `flipped[j]`.
 * This is the lossless re-orientation that ITK's OrientImageFilter performs; a labelmap mapped back with
 * fromTrainingOrientation has exactly the input's voxel grid.
 */
struct AxisMapping
{
  std::array<int, 3> sourceAxis{ 0, 1, 2 };
  std::array<bool, 3> flipped{ false, false, false };

  bool isIdentity() const;
};

/** Returns the mapping from an input direction to a training direction. Oblique inputs map to the closest axes. */
AxisMapping axisMappingBetween(const DirectionMatrix & input, const DirectionMatrix & training);

/** Re-orients a tensor [channels, z, y, x] (ITK index order reversed) with the mapping. */
torch::Tensor toTrainingOrientation(const torch::Tensor & volume, const AxisMapping & mapping);

/** Inverse of toTrainingOrientation. */
torch::Tensor fromTrainingOrientation(const torch::Tensor & volume, const AxisMapping & mapping);

} // namespace unetpp

#pragma once

#include "ImageTensor.h"

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace unetpp
{

/** Size of one foreground class in a labelmap. */
struct LabelVolume
{
  int labelValue = 0;
  std::string name;
  int64_t voxels = 0;
  double size = 0.0; ///< mm² for a 2D image, mm³ for a volume
};

/**
 * Counts the voxels of every class after the first (the background) in `labels` and converts the count with
 * the voxel size from the spacing of the image's stored dimensions.
 */
std::vector<LabelVolume>
measureLabelVolumes(const torch::Tensor & labels, const std::vector<ClassInfo> & classes, const LoadedImage & loaded);

} // namespace unetpp

#include "LabelVolume.h"

namespace unetpp
{

std::vector<LabelVolume>
measureLabelVolumes(const torch::Tensor & labels, const std::vector<ClassInfo> & classes, const LoadedImage & loaded)
{
  double voxelSize = 1.0;
  for (unsigned axis = 0; axis < loaded.fileDimension && axis < loaded.spacing.size(); ++axis)
  {
    voxelSize *= loaded.spacing[axis];
  }
  std::vector<LabelVolume> volumes;
  for (size_t index = 1; index < classes.size(); ++index)
  {
    const ClassInfo & info = classes[index];
    const int64_t voxels = labels.eq(info.labelValue).sum().item<int64_t>();
    volumes.push_back({ info.labelValue, info.name, voxels, static_cast<double>(voxels) * voxelSize });
  }
  return volumes;
}

} // namespace unetpp

#pragma once

#include "itkImage.h"

#include <cstdint>
#include <string>
#include <vector>

namespace unetpp::slicer
{

/** Labelmap pixel type of the module's output: 16-bit signed, as Slicer's labelmap volumes usually are. */
using LabelmapType = itk::Image<short, 3>;

/** A class of the model to measure: its name and the label value it has in the labelmap. */
struct LabelClass
{
  std::string name;
  int labelValue = 0;
};

/** Voxel count and volume of one class in a labelmap. */
struct LabelVolume
{
  std::string name;
  int labelValue = 0;
  int64_t voxelCount = 0;
  double millilitres = 0.0; ///< voxel count times the voxel volume (mm³) / 1000
};

/** Counts the voxels of each class in the labelmap and converts the counts to mL with the labelmap's spacing. */
std::vector<LabelVolume>
measureLabelVolumes(const LabelmapType & labelmap, const std::vector<LabelClass> & classes);

/** Formats one volume as "name: 1.234 mL", with three decimals to resolve one voxel of 1 mm³. */
std::string
formatLabelVolume(const LabelVolume & volume);

} // namespace unetpp::slicer

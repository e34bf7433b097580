#include "LabelVolumes.h"

#include "itkImageRegionConstIterator.h"

#include <iomanip>
#include <map>
#include <sstream>

namespace unetpp::slicer
{

std::vector<LabelVolume>
measureLabelVolumes(const LabelmapType & labelmap, const std::vector<LabelClass> & classes)
{
  std::map<int, int64_t> counts;
  itk::ImageRegionConstIterator<LabelmapType> it(&labelmap, labelmap.GetLargestPossibleRegion());
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    ++counts[it.Get()];
  }

  const auto & spacing = labelmap.GetSpacing();
  const double voxelCubicMillimetres = spacing[0] * spacing[1] * spacing[2];

  std::vector<LabelVolume> volumes;
  for (const auto & labelClass : classes)
  {
    LabelVolume volume;
    volume.name = labelClass.name;
    volume.labelValue = labelClass.labelValue;
    volume.voxelCount = counts[labelClass.labelValue];
    volume.millilitres = static_cast<double>(volume.voxelCount) * voxelCubicMillimetres / 1000.0;
    volumes.push_back(volume);
  }
  return volumes;
}

std::string
formatLabelVolume(const LabelVolume & volume)
{
  std::ostringstream text;
  text << volume.name << ": " << std::fixed << std::setprecision(3) << volume.millilitres << " mL";
  return text.str();
}

} // namespace unetpp::slicer

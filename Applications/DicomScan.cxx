#include "DicomScan.h"

#include <stdexcept>

namespace unetpp
{

std::string
DicomSeries::key() const
{
  return part == 0 ? seriesInstanceUid : seriesInstanceUid + "-part" + std::to_string(part);
}

DicomScanResult
scanDicomFolder(const std::string &, const std::function<void(size_t, size_t)> &)
{
  throw std::logic_error("scanDicomFolder is not built yet");
}

LoadedImage
readDicomSeriesVolume(const DicomSeries &)
{
  throw std::logic_error("readDicomSeriesVolume is not built yet");
}

} // namespace unetpp

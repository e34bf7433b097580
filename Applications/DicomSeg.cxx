#include "DicomSeg.h"

#include <stdexcept>

namespace unetpp
{

void
writeDicomSeg(const std::string &, const SegLabelVolume *, const std::vector<std::string> &, const std::vector<ClassInfo> &,
              const DicomSegDescription &)
{
  throw std::logic_error("writeDicomSeg is not built yet");
}

SegLabelVolume::Pointer
readDicomSegLabelmap(const std::string &, const std::vector<int> &)
{
  throw std::logic_error("readDicomSegLabelmap is not built yet");
}

} // namespace unetpp

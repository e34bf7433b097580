#pragma once

#include "unetpp/ModelFile.h"

#include <itkImage.h>

#include <string>
#include <vector>

namespace unetpp
{

using SegLabelVolume = itk::Image<unsigned short, 3>;

/** What a DICOM Segmentation object says about itself and the software that made it. */
struct DicomSegDescription
{
  std::string seriesDescription = "UNet++ segmentation";
  int seriesNumber = 9000;
  std::string algorithmName = "UNet++";
  std::string algorithmVersion;
  std::string manufacturer = "unetpp";
  std::string softwareVersions;
};

/**
 * Writes a labelmap as a binary DICOM Segmentation object (DCMTK dcmseg). `sourceFiles` are the source
 * series' files in the labelmap's slice order (one file per slice, or one multi-frame file), whose
 * patient, study and Frame of Reference the SEG copies and whose instances it references. Each class of
 * `classes` with a label value other than 0 that occurs in the labelmap becomes one segment, described
 * by its name, colour and coded category, type and type modifier. The labelmap must lie on the source
 * grid. The file is written under a temporary name and renamed when complete. Throws
 * std::invalid_argument with the reason when the input does not fit.
 */
void writeDicomSeg(const std::string & path, const SegLabelVolume * labels, const std::vector<std::string> & sourceFiles,
                   const std::vector<ClassInfo> & classes, const DicomSegDescription & description);

/**
 * Reads a binary DICOM Segmentation object back as a labelmap on the grid of its frames (origin,
 * spacing and direction from the plane positions and orientation), segment number n as label value
 * `labelValues[n - 1]` when given, n otherwise. Throws std::invalid_argument when the file is not a
 * readable SEG or its segments overlap.
 */
SegLabelVolume::Pointer readDicomSegLabelmap(const std::string & path, const std::vector<int> & labelValues = {});

} // namespace unetpp

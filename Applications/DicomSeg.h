#pragma once

#include "unetpp/ModelFile.h"

#include <itkImage.h>

#include <array>
#include <string>
#include <vector>

namespace unetpp
{

using SegLabelVolume = itk::Image<unsigned short, 3>;

/** Description of a DICOM Segmentation object: its series and the software that made it. */
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
 * grid. Frames that contain no voxel of their segment are left out, except that the first and last slice
 * are always written so that the frames span the labelmap's grid. The file is written under a temporary
 * name and renamed when complete, so that nothing is left at `path` on error. Throws
 * std::invalid_argument with the reason when the input does not fit, also when no class occurs in the
 * labelmap (a SEG must contain at least one segment), and std::runtime_error when writing fails.
 */
void writeDicomSeg(const std::string & path, const SegLabelVolume * labels, const std::vector<std::string> & sourceFiles,
                   const std::vector<ClassInfo> & classes, const DicomSegDescription & description);

/**
 * Converts an sRGB colour (0..255 per channel) to CIELab under the D65 white point, scaled as DICOM
 * stores it in Recommended Display CIELab Value: L* 0..100 to 0..65535, a* and b* -128..127 to 0..65535.
 */
std::array<unsigned short, 3> rgbToDicomCIELab(const std::array<int, 3> & rgb);

/**
 * Reads a binary DICOM Segmentation object back as a labelmap on the grid of its frames (origin,
 * spacing and direction from the plane positions and orientation), segment number n as label value
 * `labelValues[n - 1]` when given, n otherwise. Slices are ordered along the normal of the image
 * orientation (row direction x column direction), and slices of that grid without a frame are 0. Throws
 * std::invalid_argument when the file is not a readable SEG, is not BINARY (FRACTIONAL and LABELMAP
 * are rejected), its frames do not lie on one regular grid, or its segments overlap.
 */
SegLabelVolume::Pointer readDicomSegLabelmap(const std::string & path, const std::vector<int> & labelValues = {});

} // namespace unetpp

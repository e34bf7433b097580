#pragma once

#include "ImageTensor.h"

#include "unetpp/ModelFile.h"

#include <optional>

#include <string>
#include <vector>

namespace unetpp
{

/** One DICOM series found in a folder. */
struct DicomSeriesInfo
{
  std::string identifier; ///< series identifier as ITK's GDCM series splitter gives it (Series Instance UID based)
  std::string description;
  std::string modality;
  size_t fileCount = 0;
  std::vector<std::string> fileNames; ///< sorted along the slice normal by ITK/GDCM
};

/** Image series in a folder (not recursive), in the order GDCM lists them. */
std::vector<DicomSeriesInfo> findDicomSeries(const std::string & folder);

/** An image to segment: the voxels, the geometry to copy to the outputs, and where they came from. */
struct InputVolume
{
  LoadedImage loaded;
  std::string source; ///< for messages: the file, or the series in the folder
};

/**
 * Reads an image file, or the DICOM series in a folder. When the folder contains several series, `series`
 * chooses one (its number in the listed order, starting at 1, or its identifier); without it the call throws
 * std::invalid_argument listing the series so that the user can pick one.
 */
InputVolume readInputVolume(const std::string & path, const std::string & series);

/**
 * First ITK axis on which a volume's voxel spacing differs from the model's training spacing by more than a
 * third, or nothing. The network then sees structures at a scale it was not trained on.
 */
std::optional<unsigned> axisFarFromTrainingSpacing(const ModelMetadata & metadata, const LoadedImage & loaded);

} // namespace unetpp

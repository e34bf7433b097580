#pragma once

#include "unetpp/ModelFile.h"
#include "unetpp/Trainer.h"

#include <optional>
#include <string>
#include <vector>

namespace unetpp
{

/** An image file and its label file. */
struct ImageLabelPair
{
  std::string name;
  std::string imagePath;
  std::string labelPath;
};

/**
 * Finds image/label pairs in a folder: the Medical Segmentation Decathlon layout (imagesTr/ and labelsTr/
 * with the same file names) or 2D PNG pairs (images/ with masks/ or labels/). Throws std::invalid_argument
 * naming the folder when neither layout is present or when an image has no label.
 */
std::vector<ImageLabelPair> findImageLabelPairs(const std::string & folder);

/**
 * Reads a pair with ITK into a TrainingCase. Label voxels are mapped to class indices by the classes'
 * label values. An 8-bit mask of a binary model (0/255, with a few grey levels left by resizing) is
 * thresholded at 128 instead. Throws std::invalid_argument naming the file and the unknown value.
 * A volume whose direction differs from `referenceDirection` is permuted and flipped to it (no resampling),
 * so that every training slice has the same anatomical orientation.
 */
TrainingCase readTrainingCase(const ImageLabelPair & pair, const std::vector<ClassInfo> & classes,
                              const std::optional<DirectionMatrix> & referenceDirection);

/** Spacing, direction and dimension of an image file, as training records them in the model. */
struct ImageGeometry
{
  std::vector<double> spacing;
  DirectionMatrix direction{};
  unsigned dimension = 3;
  int64_t components = 1; ///< channels per pixel, 3 for RGB
};

ImageGeometry readGeometry(const std::string & imagePath);

} // namespace unetpp

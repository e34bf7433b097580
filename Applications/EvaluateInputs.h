#pragma once

#include "ImageTensor.h"

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace unetpp
{

/** Image files (NIfTI, NRRD, MHA, PNG, TIFF) directly in a folder, sorted by name; hidden files are left out. */
std::vector<std::string> listImageFiles(const std::string & folder);

/** A case that could not be evaluated, and why. */
struct SkippedCase
{
  std::string name;
  std::string reason;
};

/** A prediction file and the ground-truth file of the same name. */
struct PredictionTruthPair
{
  std::string name;
  std::string predictionPath;
  std::string truthPath;
};

/** Pairs found in two folders, and the file names present in only one of them. */
struct PairedFiles
{
  std::vector<PredictionTruthPair> pairs;
  std::vector<SkippedCase> unpaired;
};

/**
 * Pairs the image files of a predictions folder with the ground-truth files of the same name. The truth folder
 * may also be a data set root with labelsTr/, masks/ or labels/ inside. Throws std::invalid_argument naming a
 * folder that does not exist or contains no image files.
 */
PairedFiles pairPredictionsWithTruth(const std::string & predictionsFolder, const std::string & truthFolder);

/**
 * Describes the first difference between the voxel grids of a prediction and its ground truth (size, spacing,
 * origin or direction). Returns an empty string when they match within a tolerance for values stored as float32.
 */
std::string describeGeometryDifference(const LoadedImage & prediction, const LoadedImage & truth);

/**
 * Label values [z, y, x] int64 of a one-component label image. Values are rounded, because some label files
 * are stored as float. For a binary task (two classes, or no class list), a mask whose values lie in 0..255 with
 * a maximum of 255 is a 0/255 mask, grey levels left by resizing included, and is thresholded at 128. Foreground
 * then gets the second class's label value (1 without a class list) and the rest the first class's (0). With a class list, any other value that is not
 * a class's label value raises std::invalid_argument naming the file and the value.
 */
torch::Tensor readLabelValues(const LoadedImage & image, const std::string & path, const std::vector<ClassInfo> & classes);

/** A prediction file read for evaluation. */
struct PredictionImage
{
  torch::Tensor labels;                ///< [z, y, x] int64 label values
  torch::Tensor foregroundProbability; ///< [z, y, x] float32 for binary probability images, otherwise undefined
  bool probabilities = false;          ///< the file stores probabilities rather than labels
};

/**
 * Reads a prediction: a labelmap, or a probability image (floating-point voxels, all within 0..1). A probability
 * image with one component is the foreground probability of a binary segmentation, labelled foreground where
 * p > 0.5. One with several components contains a probability per class in the class order (label value = component
 * index without a class list), labelled by the most probable class, as `unetpp segment --probabilities` writes them.
 */
PredictionImage readPrediction(const LoadedImage & image, const std::string & path, const std::vector<ClassInfo> & classes);

} // namespace unetpp

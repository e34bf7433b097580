#include "EvaluateInputs.h"

#include <itkImageIOFactory.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

namespace unetpp
{

namespace
{

namespace fs = std::filesystem;

bool
hasImageExtension(const std::string & name)
{
  for (const std::string suffix : { ".nii.gz", ".nii", ".nrrd", ".mha", ".mhd", ".png", ".tif", ".tiff" })
  {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    {
      return true;
    }
  }
  return false;
}

/** The folder itself when it contains image files, otherwise its labelsTr/, masks/ or labels/ subfolder. */
fs::path
truthFilesFolder(const fs::path & folder)
{
  if (!listImageFiles(folder.string()).empty())
  {
    return folder;
  }
  for (const char * subfolder : { "labelsTr", "masks", "labels" })
  {
    if (fs::is_directory(folder / subfolder))
    {
      return folder / subfolder;
    }
  }
  return folder;
}

std::vector<std::string>
fileNames(const std::vector<std::string> & paths)
{
  std::vector<std::string> names;
  for (const auto & path : paths)
  {
    names.push_back(fs::path(path).filename().string());
  }
  return names;
}

std::string
formatAxes(const std::vector<double> & values)
{
  std::ostringstream text;
  for (size_t axis = 0; axis < values.size(); ++axis)
  {
    text << (axis == 0 ? "" : " x ") << values[axis];
  }
  return text.str();
}

/** Size, spacing, origin and direction of the axes stored in the file, for comparison and messages. */
struct Grid
{
  std::vector<double> size;
  std::vector<double> spacing;
  std::vector<double> origin;
  std::vector<double> direction;
};

Grid
gridOf(const LoadedImage & loaded)
{
  const VectorVolume * image = loaded.image.GetPointer();
  Grid grid;
  for (unsigned axis = 0; axis < loaded.fileDimension; ++axis)
  {
    grid.size.push_back(static_cast<double>(image->GetLargestPossibleRegion().GetSize()[axis]));
    grid.spacing.push_back(image->GetSpacing()[axis]);
    grid.origin.push_back(image->GetOrigin()[axis]);
    for (unsigned column = 0; column < loaded.fileDimension; ++column)
    {
      grid.direction.push_back(image->GetDirection()[axis][column]);
    }
  }
  return grid;
}

bool
nearlyEqual(const std::vector<double> & first, const std::vector<double> & second, double tolerance)
{
  if (first.size() != second.size())
  {
    return false;
  }
  for (size_t index = 0; index < first.size(); ++index)
  {
    if (std::abs(first[index] - second[index]) > tolerance * std::max(1.0, std::abs(second[index])))
    {
      return false;
    }
  }
  return true;
}

bool
isFloatingPointFile(const std::string & path)
{
  const itk::ImageIOBase::Pointer io =
    itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  if (!io)
  {
    return false;
  }
  io->SetFileName(path);
  io->ReadImageInformation();
  const auto type = io->GetComponentType();
  return type == itk::IOComponentEnum::FLOAT || type == itk::IOComponentEnum::DOUBLE;
}

int
labelValueOfClass(const std::vector<ClassInfo> & classes, size_t index)
{
  return index < classes.size() ? classes[index].labelValue : static_cast<int>(index);
}

std::string
listLabelValues(const std::vector<ClassInfo> & classes)
{
  std::string text;
  for (const auto & info : classes)
  {
    text += (text.empty() ? "" : ", ") + std::to_string(info.labelValue);
  }
  return text;
}

} // namespace

std::vector<std::string>
listImageFiles(const std::string & folder)
{
  std::vector<std::string> files;
  for (const auto & entry : fs::directory_iterator(folder))
  {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.empty() && name[0] != '.' && hasImageExtension(name))
    {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

PairedFiles
pairPredictionsWithTruth(const std::string & predictionsFolder, const std::string & truthFolder)
{
  for (const auto & folder : { predictionsFolder, truthFolder })
  {
    if (!fs::is_directory(folder))
    {
      throw std::invalid_argument("folder " + folder + " does not exist or is not a folder");
    }
  }
  const fs::path truthFiles = truthFilesFolder(truthFolder);
  const auto predictions = fileNames(listImageFiles(predictionsFolder));
  const auto truths = fileNames(listImageFiles(truthFiles.string()));
  if (truths.empty())
  {
    throw std::invalid_argument("no ground-truth image files found in " + truthFiles.string());
  }
  const std::set<std::string> predictionSet(predictions.begin(), predictions.end());
  const std::set<std::string> truthSet(truths.begin(), truths.end());

  PairedFiles result;
  for (const auto & name : truths)
  {
    if (predictionSet.count(name) == 0)
    {
      result.unpaired.push_back({ name, "no prediction file " + name + " in " + predictionsFolder });
      continue;
    }
    result.pairs.push_back({ name, (fs::path(predictionsFolder) / name).string(), (truthFiles / name).string() });
  }
  for (const auto & name : predictions)
  {
    if (truthSet.count(name) == 0)
    {
      result.unpaired.push_back({ name, "no ground-truth file " + name + " in " + truthFiles.string() });
    }
  }
  return result;
}

std::string
describeGeometryDifference(const LoadedImage & prediction, const LoadedImage & truth)
{
  const Grid predicted = gridOf(prediction);
  const Grid expected = gridOf(truth);
  if (predicted.size != expected.size)
  {
    return "size differs: prediction " + formatAxes(predicted.size) + " voxels, ground truth " +
           formatAxes(expected.size) + " voxels";
  }

  // NIfTI stores the geometry as float32, so a round trip through a file can change the last digits.
  constexpr double tolerance = 1e-4;
  if (!nearlyEqual(predicted.spacing, expected.spacing, tolerance))
  {
    return "spacing differs: prediction " + formatAxes(predicted.spacing) + " mm, ground truth " +
           formatAxes(expected.spacing) + " mm";
  }
  if (!nearlyEqual(predicted.origin, expected.origin, tolerance))
  {
    return "origin differs: prediction " + formatAxes(predicted.origin) + " mm, ground truth " +
           formatAxes(expected.origin) + " mm";
  }
  if (!nearlyEqual(predicted.direction, expected.direction, tolerance))
  {
    return "direction differs: prediction " + formatAxes(predicted.direction) + ", ground truth " +
           formatAxes(expected.direction);
  }
  return {};
}

torch::Tensor
readLabelValues(const LoadedImage & image, const std::string & path, const std::vector<ClassInfo> & classes)
{
  if (image.tensor.size(0) != 1)
  {
    throw std::invalid_argument(path + " has " + std::to_string(image.tensor.size(0)) +
                                " components; a labelmap must have one");
  }
  const torch::Tensor values = image.tensor[0].round().to(torch::kInt64);
  const int64_t minimum = values.min().item<int64_t>();
  const int64_t maximum = values.max().item<int64_t>();
  const bool binaryClasses = classes.empty() || classes.size() == 2;
  if (binaryClasses && minimum >= 0 && maximum == 255)
  {
    return torch::where(values.ge(128), torch::full_like(values, labelValueOfClass(classes, 1)),
                        torch::full_like(values, labelValueOfClass(classes, 0)));
  }
  if (classes.empty())
  {
    return values;
  }

  torch::Tensor known = torch::zeros_like(values, torch::kBool);
  for (const auto & info : classes)
  {
    known |= values.eq(info.labelValue);
  }
  const torch::Tensor unknown = known.logical_not();
  if (unknown.any().item<bool>())
  {
    const torch::Tensor unknownValues = std::get<0>(torch::_unique(values.masked_select(unknown)));
    std::string list;
    for (int64_t index = 0; index < unknownValues.numel(); ++index)
    {
      list += (index == 0 ? "" : ", ") + std::to_string(unknownValues[index].item<int64_t>());
    }
    throw std::invalid_argument(path + " contains label value(s) " + list +
                                ", which the model does not know (its label values are " + listLabelValues(classes) + ")");
  }
  return values;
}

PredictionImage
readPrediction(const LoadedImage & image, const std::string & path, const std::vector<ClassInfo> & classes)
{
  const torch::Tensor & voxels = image.tensor;
  const bool inUnitRange = voxels.min().item<float>() >= 0.0F && voxels.max().item<float>() <= 1.0F;
  PredictionImage prediction;
  prediction.probabilities = inUnitRange && isFloatingPointFile(path);
  if (!prediction.probabilities)
  {
    prediction.labels = readLabelValues(image, path, classes);
    return prediction;
  }

  const int64_t components = voxels.size(0);
  if (components == 1)
  {
    if (classes.size() > 2)
    {
      throw std::invalid_argument(path + " contains one probability per voxel, but the model has " +
                                  std::to_string(classes.size()) + " classes; write one probability component per class");
    }
    prediction.foregroundProbability = voxels[0];
    prediction.labels = torch::where(voxels[0].gt(0.5), torch::full(voxels[0].sizes(), labelValueOfClass(classes, 1), torch::kInt64),
                                     torch::full(voxels[0].sizes(), labelValueOfClass(classes, 0), torch::kInt64));
    return prediction;
  }

  if (!classes.empty() && static_cast<size_t>(components) != classes.size())
  {
    throw std::invalid_argument(path + " contains " + std::to_string(components) + " class probabilities per voxel, but the model has " +
                                std::to_string(classes.size()) + " classes");
  }
  std::vector<int64_t> labelValues;
  for (int64_t index = 0; index < components; ++index)
  {
    labelValues.push_back(labelValueOfClass(classes, static_cast<size_t>(index)));
  }
  prediction.labels = torch::tensor(labelValues, torch::kInt64).index({ voxels.argmax(0) });
  if (components == 2)
  {
    prediction.foregroundProbability = voxels[1];
  }
  return prediction;
}

} // namespace unetpp

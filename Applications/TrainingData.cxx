#include "TrainingData.h"

#include "ImageTensor.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace unetpp
{

namespace
{

namespace fs = std::filesystem;

bool
isImageFile(const fs::path & path)
{
  const std::string name = path.filename().string();
  if (name.empty() || name[0] == '.')
  {
    return false;
  }
  for (const char * extension : { ".nii.gz", ".nii", ".nrrd", ".mha", ".mhd", ".png", ".tif", ".tiff" })
  {
    if (endsWith(name, extension))
    {
      return true;
    }
  }
  return false;
}

std::vector<ImageLabelPair>
pairFolders(const fs::path & images, const fs::path & labels)
{
  std::vector<ImageLabelPair> pairs;
  std::vector<std::string> missing;
  for (const auto & entry : fs::directory_iterator(images))
  {
    if (!entry.is_regular_file() || !isImageFile(entry.path()))
    {
      continue;
    }
    const fs::path label = labels / entry.path().filename();
    if (!fs::exists(label))
    {
      missing.push_back(entry.path().filename().string());
      continue;
    }
    pairs.push_back({ entry.path().filename().string(), entry.path().string(), label.string() });
  }
  if (!missing.empty())
  {
    throw std::invalid_argument(std::to_string(missing.size()) + " image(s) in " + images.string() +
                                " have no label file of the same name in " + labels.string() + ", for example " +
                                missing.front());
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto & a, const auto & b) { return a.name < b.name; });
  return pairs;
}

} // namespace

std::vector<ImageLabelPair>
findImageLabelPairs(const std::string & folder)
{
  const fs::path root(folder);
  if (!fs::is_directory(root))
  {
    throw std::invalid_argument("training data folder " + folder + " does not exist or is not a folder");
  }
  const std::vector<std::pair<const char *, const char *>> layouts{
    { "imagesTr", "labelsTr" }, { "images", "masks" }, { "images", "labels" }
  };
  for (const auto & [images, labels] : layouts)
  {
    if (fs::is_directory(root / images) && fs::is_directory(root / labels))
    {
      auto pairs = pairFolders(root / images, root / labels);
      if (pairs.empty())
      {
        throw std::invalid_argument("no image files found in " + (root / images).string());
      }
      return pairs;
    }
  }
  throw std::invalid_argument("training data folder " + folder +
                              " has neither imagesTr/ with labelsTr/ (Decathlon layout) nor images/ with masks/ or labels/");
}

TrainingCase
readTrainingCase(const ImageLabelPair & pair, const std::vector<ClassInfo> & classes,
                 const std::optional<DirectionMatrix> & referenceDirection)
{
  TrainingCase result;
  result.name = pair.name;
  const LoadedImage image = readImageTensor(pair.imagePath);
  result.image = image.tensor;
  const LoadedImage label = readImageTensor(pair.labelPath);
  if (label.tensor.size(0) != 1)
  {
    throw std::invalid_argument("label file " + pair.labelPath + " has " + std::to_string(label.tensor.size(0)) +
                                " components; a label image must have one");
  }
  torch::Tensor values = label.tensor[0];
  if (values.sizes() != result.image.sizes().slice(1))
  {
    throw std::invalid_argument("label file " + pair.labelPath + " has size " + c10::str(values.sizes()) +
                                " but its image has " + c10::str(result.image.sizes().slice(1)));
  }

  // Label files are sometimes stored as float (a few Decathlon files are); round before mapping.
  values = values.round().to(torch::kInt64);

  if (referenceDirection && image.fileDimension == 3)
  {
    const AxisMapping mapping = axisMappingBetween(directionOf(image.image), *referenceDirection);
    result.image = toTrainingOrientation(result.image, mapping);
    values = toTrainingOrientation(values.unsqueeze(0), mapping)[0];
  }
  const bool binary = classes.size() == 2;
  if (binary && values.max().item<int64_t>() > classes[1].labelValue && values.max().item<int64_t>() <= 255)
  {
    result.labels = values.ge(128).to(torch::kInt64);
    return result;
  }

  result.labels = torch::full_like(values, -1);
  for (size_t index = 0; index < classes.size(); ++index)
  {
    result.labels.masked_fill_(values.eq(classes[index].labelValue), static_cast<int64_t>(index));
  }
  const torch::Tensor unknown = result.labels.lt(0);
  if (unknown.any().item<bool>())
  {
    const int64_t value = values.masked_select(unknown)[0].item<int64_t>();
    throw std::invalid_argument("label file " + pair.labelPath + " contains value " + std::to_string(value) +
                                ", which is not the label value of any class of the model");
  }
  return result;
}

ImageGeometry
readGeometry(const std::string & imagePath)
{
  const LoadedImage image = readImageTensor(imagePath);
  return { image.spacing, directionOf(image.image), image.fileDimension, image.tensor.size(0) };
}

} // namespace unetpp

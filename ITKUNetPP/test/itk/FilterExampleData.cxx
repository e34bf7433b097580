// Prepares and checks the inputs and output of the filter_example test:
//   UNetPPFilterExampleData write FOLDER                  writes FOLDER/model.unetpp and FOLDER/image.nrrd
//   UNetPPFilterExampleData check IMAGE LABELMAP MODEL    checks the labelmap's geometry and label values

#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include "unetpp/ModelFile.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <string>

namespace
{

using VolumeType = itk::Image<float, 3>;
using LabelmapType = itk::Image<unsigned char, 3>;

// NRRD stores origin, spacing and direction as decimal text, so values read back may differ in the last digits.
constexpr double GeometryTolerance = 1e-9;

void
writeModel(const std::string & path)
{
  unetpp::ModelMetadata metadata;
  metadata.name = "random example model";
  metadata.description = "Random weights, for testing the filter example only.";
  metadata.network.filters = { 2, 4, 8, 16, 32 };
  metadata.network.outputChannels = 3;
  for (const int value : { 0, 5, 9 })
  {
    unetpp::ClassInfo info;
    info.name = "class " + std::to_string(value);
    info.labelValue = value;
    metadata.classes.push_back(info);
  }
  metadata.patchSize = { 16, 16 };

  torch::manual_seed(3);
  unetpp::saveModel(path, metadata, unetpp::UNetPlusPlus(metadata.network));
}

/** A 24 x 20 x 5 volume of random intensities with an oblique direction, non-unit spacing and an offset origin. */
void
writeVolume(const std::string & path)
{
  auto volume = VolumeType::New();
  const VolumeType::SizeType size{ { 24, 20, 5 } };
  volume->SetRegions(size);
  const double spacing[3] = { 0.8, 0.8, 2.5 };
  const double origin[3] = { -40.0, 12.5, 7.25 };
  volume->SetSpacing(spacing);
  volume->SetOrigin(origin);
  VolumeType::DirectionType direction;
  const double angle = 0.3;
  direction(0, 0) = std::cos(angle);
  direction(0, 1) = -std::sin(angle);
  direction(1, 0) = std::sin(angle);
  direction(1, 1) = std::cos(angle);
  direction(2, 2) = 1.0;
  volume->SetDirection(direction);
  volume->Allocate();

  std::mt19937                    random(17);
  std::normal_distribution<float> normal(300.0F, 80.0F);
  for (itk::ImageRegionIterator<VolumeType> it(volume, volume->GetBufferedRegion()); !it.IsAtEnd(); ++it)
  {
    it.Set(normal(random));
  }

  auto writer = itk::ImageFileWriter<VolumeType>::New();
  writer->SetInput(volume);
  writer->SetFileName(path);
  writer->Update();
}

template <typename TImage>
typename TImage::Pointer
readImage(const std::string & path)
{
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

/** Returns the number of problems found, after printing each. */
int
checkLabelmap(const std::string & imagePath, const std::string & labelmapPath, const std::string & modelPath)
{
  const auto image = readImage<VolumeType>(imagePath);
  const auto labelmap = readImage<LabelmapType>(labelmapPath);
  int        problems = 0;

  if (labelmap->GetLargestPossibleRegion() != image->GetLargestPossibleRegion())
  {
    std::cerr << "labelmap region " << labelmap->GetLargestPossibleRegion() << " differs from the image region "
              << image->GetLargestPossibleRegion() << '\n';
    ++problems;
  }
  for (unsigned int row = 0; row < 3; ++row)
  {
    const bool sameOrigin = std::abs(labelmap->GetOrigin()[row] - image->GetOrigin()[row]) <= GeometryTolerance;
    const bool sameSpacing = std::abs(labelmap->GetSpacing()[row] - image->GetSpacing()[row]) <= GeometryTolerance;
    bool       sameDirection = true;
    for (unsigned int column = 0; column < 3; ++column)
    {
      sameDirection &=
        std::abs(labelmap->GetDirection()(row, column) - image->GetDirection()(row, column)) <= GeometryTolerance;
    }
    if (!sameOrigin || !sameSpacing || !sameDirection)
    {
      std::cerr << "labelmap origin, spacing or direction differs from the image's on axis " << row << '\n';
      ++problems;
    }
  }

  std::set<int> allowed;
  for (const auto & info : unetpp::readModelMetadata(modelPath).classes)
  {
    allowed.insert(info.labelValue);
  }
  for (itk::ImageRegionConstIterator<LabelmapType> it(labelmap, labelmap->GetBufferedRegion()); !it.IsAtEnd(); ++it)
  {
    if (allowed.count(it.Get()) == 0)
    {
      std::cerr << "labelmap value " << static_cast<int>(it.Get()) << " is not a label value of the model\n";
      ++problems;
      break;
    }
  }
  return problems;
}

} // namespace

int
main(int argc, char * argv[])
{
  const std::string command = argc > 1 ? argv[1] : "";
  try
  {
    if (command == "write" && argc == 3)
    {
      const std::filesystem::path folder = argv[2];
      std::filesystem::create_directories(folder);
      writeModel((folder / "model.unetpp").string());
      writeVolume((folder / "image.nrrd").string());
      return EXIT_SUCCESS;
    }
    if (command == "check" && argc == 5)
    {
      const int problems = checkLabelmap(argv[2], argv[3], argv[4]);
      if (problems == 0)
      {
        std::cout << "labelmap " << argv[3] << " has the image's geometry and only the model's label values\n";
      }
      return problems == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
  }
  catch (const std::exception & error)
  {
    std::cerr << error.what() << '\n';
    return EXIT_FAILURE;
  }
  std::cerr << "usage: " << argv[0] << " write FOLDER | check IMAGE LABELMAP MODEL\n";
  return EXIT_FAILURE;
}

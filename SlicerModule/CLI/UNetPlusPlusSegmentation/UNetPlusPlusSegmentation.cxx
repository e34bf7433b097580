// 3D Slicer CLI module: segments a scalar volume with a UNet++ model through itk::UNetPlusPlusImageFilter.
// Slicer runs it with the flags that UNetPlusPlusSegmentation.xml declares. It also runs on its own.

#include "BundledModel.h"
#include "LabelVolumes.h"
#include "ModuleArguments.h"
#include "ModuleDescription.h"
#include "ReturnParameters.h"
#include "SlicerProgress.h"

#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageIOFactory.h"
#include "itkUNetPlusPlusImageFilter.h"
#include "itkVectorImage.h"
#include "unetpp/SegmentationEngine.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace
{

namespace fs = std::filesystem;
using namespace unetpp::slicer;

static_assert(unetpp::slicer::MaximumThreads == unetpp::MaximumThreads,
              "the module's --threads limit must match the inference engine's");

using InputImageType = itk::Image<float, 3>;
using ProbabilityImageType = itk::VectorImage<float, 3>;
using FilterType = itk::UNetPlusPlusImageFilter<InputImageType, LabelmapType, ProbabilityImageType>;

constexpr const char * ModuleName = "UNetPlusPlusSegmentation";
constexpr const char * FilterName = "UNet++ segmentation";

/** Raised for a problem with the inputs or outputs that the user can fix. The message names the fix. */
class ModuleError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

std::string
resolveModelFile(const ModuleArguments & arguments, const std::string & programPath)
{
  if (arguments.modelFile.empty())
  {
    return findBundledModel(programPath);
  }
  if (!fs::is_regular_file(arguments.modelFile))
  {
    throw ModuleError("model file " + arguments.modelFile +
                      " not found: choose an existing .unetpp file, or leave the model file empty for the bundled model");
  }
  return arguments.modelFile;
}

/**
 * Rejects a model that this module cannot run as requested: one that expects several channels, because Slicer
 * passes scalar volumes, or test-time augmentation with a model trained without flips.
 */
void
checkModelSupported(const unetpp::ModelMetadata & metadata, bool testTimeAugmentation)
{
  if (metadata.inputChannels() != 1)
  {
    throw ModuleError("model '" + metadata.name + "' expects images with " + std::to_string(metadata.inputChannels()) +
                      " channels (for example RGB), but this module segments scalar volumes only. Segment such "
                      "images with the unetpp segment command, which reads PNG and TIFF images in color.");
  }
  if (testTimeAugmentation)
  {
    try
    {
      unetpp::checkMirroringSupported(metadata);
    }
    catch (const std::invalid_argument & error)
    {
      throw ModuleError(std::string("--testTimeAugmentation: ") + error.what());
    }
  }
}

/** Rejects an existing input that ITK cannot read, that has several components per voxel or over three dimensions. */
void
checkInputVolume(const std::string & path)
{
  itk::ImageIOBase::Pointer imageIO = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::ReadMode);
  if (!imageIO)
  {
    throw ModuleError("cannot read the input volume " + path +
                      ": no ITK image IO reads this file format (use NRRD, NIfTI or MetaImage)");
  }
  imageIO->SetFileName(path);
  imageIO->ReadImageInformation();

  if (imageIO->GetNumberOfComponents() != 1)
  {
    throw ModuleError("input volume " + path + " has " + std::to_string(imageIO->GetNumberOfComponents()) +
                      " components per voxel, but this module segments scalar volumes: convert it to a scalar "
                      "volume first, for example with Slicer's Vector to Scalar Volume module");
  }
  if (imageIO->GetNumberOfDimensions() > 3)
  {
    throw ModuleError("input volume " + path + " has " + std::to_string(imageIO->GetNumberOfDimensions()) +
                      " dimensions, but this module segments 2D images and 3D volumes");
  }
}

/**
 * Checks that a file can be created at `path` before the segmentation runs, by creating and removing a
 * probe file next to it, so that a wrong output path fails in a second and not after the inference.
 */
void
checkWritable(const std::string & path, const std::string & what)
{
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(folder))
  {
    throw ModuleError("cannot write the " + what + " " + path + ": the folder " + folder.string() + " does not exist");
  }
  if (fs::is_directory(target))
  {
    throw ModuleError("cannot write the " + what + " " + path + ": it is a folder, not a file name");
  }

  const fs::path probe = folder / ("." + target.filename().string() + ".write-check");
  std::ofstream probeFile(probe);
  const bool writable = static_cast<bool>(probeFile);
  probeFile.close();
  std::error_code ignored;
  fs::remove(probe, ignored);
  if (!writable)
  {
    throw ModuleError("cannot write the " + what + " " + path + ": the folder " + folder.string() +
                      " is not writable");
  }
}

InputImageType::Pointer
readInputVolume(const std::string & path)
{
  auto reader = itk::ImageFileReader<InputImageType>::New();
  reader->SetFileName(path);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw ModuleError("cannot read the input volume " + path + ": " + error.GetDescription());
  }
  return reader->GetOutput();
}

template <typename ImageType>
void
writeVolume(const ImageType * image, const std::string & path, const std::string & what)
{
  auto writer = itk::ImageFileWriter<ImageType>::New();
  writer->SetInput(image);
  writer->SetFileName(path);
  writer->UseCompressionOn();
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw ModuleError("cannot write the " + what + " " + path + ": " + error.GetDescription());
  }
}

FilterType::Pointer
makeFilter(const ModuleArguments & arguments, const std::string & modelFile)
{
  auto filter = FilterType::New();
  filter->SetModelFileName(modelFile);
  filter->SetPruningLevel(arguments.pruningLevel);
  filter->SetMode(unetpp::inferenceModeFromString(arguments.inferenceMode));
  filter->SetDevice(arguments.device);
  filter->SetInferenceThreads(arguments.threads);
  filter->SetTestTimeMirroring(arguments.testTimeAugmentation);
  filter->SetComputeProbabilities(!arguments.probabilityVolume.empty());
  return filter;
}

/** Volumes of every class but the first, which is the background in every model file. */
std::vector<std::string>
measureForegroundVolumes(const LabelmapType & labelmap, const unetpp::ModelMetadata & metadata)
{
  std::vector<LabelClass> foreground;
  for (std::size_t i = 1; i < metadata.classes.size(); ++i)
  {
    foreground.push_back({ metadata.classes[i].name, metadata.classes[i].labelValue });
  }

  std::vector<std::string> volumes;
  for (const auto & volume : measureLabelVolumes(labelmap, foreground))
  {
    volumes.push_back(formatLabelVolume(volume));
  }
  return volumes;
}

int
runSegmentation(const ModuleArguments & arguments, const std::string & programPath)
{
  // Check every path before the inference, which takes the longest.
  const std::string modelFile = resolveModelFile(arguments, programPath);
  if (!fs::is_regular_file(arguments.inputVolume))
  {
    throw ModuleError("input volume " + arguments.inputVolume + " not found");
  }
  checkWritable(arguments.outputLabelmap, "output labelmap");
  if (!arguments.probabilityVolume.empty())
  {
    checkWritable(arguments.probabilityVolume, "probability volume");
  }
  if (!arguments.returnParameterFile.empty())
  {
    checkWritable(arguments.returnParameterFile, "return parameter file");
  }

  auto filter = makeFilter(arguments, modelFile);
  unetpp::ModelMetadata metadata;
  try
  {
    metadata = filter->GetModelMetadata();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw ModuleError("cannot load the model: " + std::string(error.GetDescription()));
  }
  // The model is checked first because, with a colour model, the input check's advice to convert a colour
  // input to a scalar volume would lead nowhere.
  checkModelSupported(metadata, arguments.testTimeAugmentation);
  checkInputVolume(arguments.inputVolume);
  filter->SetInput(readInputVolume(arguments.inputVolume));

  SlicerProgress progress(std::cout, FilterName);
  filter->AddObserver(itk::ProgressEvent(), [&progress, &filter](const itk::EventObject &) {
    progress.report(filter->GetProgress());
  });
  progress.start("Segmenting " + fs::path(arguments.inputVolume).filename().string() + " with model '" +
                 metadata.name + "', pruning level L" + std::to_string(arguments.pruningLevel) + ", " +
                 arguments.inferenceMode + " mode");
  filter->Update();

  writeVolume(filter->GetLabelmapOutput(), arguments.outputLabelmap, "output labelmap");
  if (!arguments.probabilityVolume.empty())
  {
    writeVolume(filter->GetProbabilityOutput(), arguments.probabilityVolume, "probability volume");
  }

  const std::vector<std::string> volumes = measureForegroundVolumes(*filter->GetLabelmapOutput(), metadata);
  if (!arguments.returnParameterFile.empty())
  {
    writeReturnParameters(arguments.returnParameterFile, { { "labelVolumes", joinStringVector(volumes) } });
  }
  progress.end();

  std::cout << "Model: " << metadata.name << " (" << modelFile << ")\n";
  for (const auto & volume : volumes)
  {
    std::cout << "Label volume " << volume << '\n';
  }
  std::cout << "Wrote the labelmap " << arguments.outputLabelmap << std::endl;
  return EXIT_SUCCESS;
}

} // namespace

int
main(int argc, char * argv[])
{
  ModuleArguments arguments;
  try
  {
    arguments = parseModuleArguments(std::vector<std::string>(argv + 1, argv + argc));
  }
  catch (const ArgumentError & error)
  {
    std::cerr << ModuleName << ": " << error.what() << "\nRun " << ModuleName << " --help for the parameters.\n";
    return EXIT_FAILURE;
  }

  if (arguments.printXml)
  {
    std::cout << unetpp::slicer::ModuleDescriptionXml;
    return EXIT_SUCCESS;
  }
  if (arguments.printHelp)
  {
    std::cout << moduleUsage(ModuleName);
    return EXIT_SUCCESS;
  }

  try
  {
    return runSegmentation(arguments, argv[0]);
  }
  catch (const itk::ExceptionObject & error)
  {
    std::cerr << ModuleName << ": segmentation failed: " << error.GetDescription() << '\n';
  }
  catch (const std::exception & error)
  {
    std::cerr << ModuleName << ": " << error.what() << '\n';
  }
  return EXIT_FAILURE;
}

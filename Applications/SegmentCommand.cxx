#include "CommandLine.h"
#include "InferenceCommandLine.h"
#include "LabelVolume.h"
#include "Commands.h"
#include "DefaultModel.h"
#include "InputVolume.h"
#include "OutputImages.h"
#include "ProgressBar.h"

#include "unetpp/ModelFile.h"
#include "unetpp/SegmentationEngine.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace unetpp
{

namespace
{

std::string
formatSize(const LoadedImage & loaded)
{
  std::ostringstream text;
  const auto size = loaded.image->GetLargestPossibleRegion().GetSize();
  for (unsigned axis = 0; axis < loaded.fileDimension; ++axis)
  {
    text << (axis == 0 ? "" : " x ") << size[axis];
  }
  text << " voxels, spacing ";
  for (unsigned axis = 0; axis < loaded.fileDimension; ++axis)
  {
    text << (axis == 0 ? "" : " x ") << loaded.spacing[axis];
  }
  text << " mm";
  if (loaded.tensor.size(0) > 1)
  {
    text << ", " << loaded.tensor.size(0) << " components";
  }
  return text.str();
}

/** Prints the voxel count and volume of every foreground class. */
void
reportVolumes(std::ostream & stream, const torch::Tensor & labels, const ModelMetadata & metadata,
              const LoadedImage & loaded)
{
  const char * unit = loaded.fileDimension == 2 ? "mm²" : "mm³";
  for (const LabelVolume & volume : measureLabelVolumes(labels, metadata.classes, loaded))
  {
    stream << "label " << volume.labelValue << " (" << volume.name << "): " << volume.voxels << " voxels, "
           << std::fixed << std::setprecision(1) << volume.size << " " << unit;
    if (loaded.fileDimension == 3)
    {
      stream << ", " << std::setprecision(3) << volume.size / 1000.0 << " mL";
    }
    stream << '\n';
  }
}

/** Throws a UsageError when two paths name the same file, so that an output never replaces an input. */
void
checkNotSameFile(const std::string & path, const std::string & other, const std::string & option,
                 const std::string & otherName)
{
  const auto normalized = [](const std::string & value) {
    return std::filesystem::weakly_canonical(std::filesystem::absolute(value)).string();
  };
  if (normalized(path) == normalized(other))
  {
    throw UsageError(option + " " + path + " is the same file as " + otherName + ". Choose another output path.");
  }
}

/**
 * Warns when the image's voxel spacing differs from the training spacing by more than a third on any axis,
 * because the network then receives structures at a scale it was not trained on.
 */
void
warnIfFarFromTraining(std::ostream & stream, const ModelMetadata & metadata, const LoadedImage & loaded)
{
  if (const auto axis = axisFarFromTrainingSpacing(metadata, loaded))
  {
    stream << "warning: voxel spacing " << loaded.spacing[*axis] << " mm along axis " << *axis
           << " differs from the model's training spacing of " << metadata.trainingSpacing[*axis]
           << " mm; the model was not trained on such images and its labels may be wrong\n";
  }
}

} // namespace

int
runSegmentCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine("segment", "Segment an image, a volume or a DICOM series with a UNet++ model file and "
                                     "write a labelmap with the input's geometry.");
  commandLine.addOption("input", "PATH", "image file (NIfTI, NRRD, MHA, PNG, TIFF) or a folder with a DICOM series");
  commandLine.addOption("output", "PATH", "labelmap to write: .nii.gz, .nii, .nrrd, .mha, or .png for 2D input");
  commandLine.addOption("model", "FILE", "model file (default: the bundled hippocampus model)");
  addLevelAndModeOptions(commandLine);
  addDeviceOptions(commandLine);
  commandLine.addOption("overlap", "F", "fraction of a tile shared with its neighbour, for slices larger than the patch",
                        "0.5");
  commandLine.addOption("batch-size", "N", "tiles per network call", "16");
  commandLine.addOption("probabilities", "PATH", "also write per-class probabilities (multi-component float image)");
  commandLine.addOption("series", "N|ID", "series to segment when the input folder holds several");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }

  const std::string inputPath = commandLine.value("input");
  const std::string outputPath = commandLine.value("output");
  const std::string modelPath = commandLine.has("model") ? commandLine.value("model") : findDefaultModel();
  const auto probabilitiesPath = commandLine.optionalValue("probabilities");

  // Load the model first: it is quick, and a bad model file should fail before a large image is read.
  Model model = loadModel(modelPath);
  InferenceOptions options = inferenceOptionsFrom(commandLine, model);
  options.overlap = commandLine.number("overlap");
  options.batchSize = commandLine.integer("batch-size");
  const InputVolume input = readInputVolume(inputPath, commandLine.optionalValue("series").value_or(""));
  const unsigned dimension = input.loaded.fileDimension;
  checkOutputPath(outputPath, dimension, "--output");
  checkNotSameFile(outputPath, inputPath, "--output", "the input");
  if (probabilitiesPath)
  {
    checkNotSameFile(*probabilitiesPath, inputPath, "--probabilities", "the input");
    checkNotSameFile(*probabilitiesPath, outputPath, "--probabilities", "--output");
    checkOutputPath(*probabilitiesPath, dimension, "--probabilities");
  }

  const std::string modelName = model.metadata.name;
  SegmentationEngine engine(std::move(model), options);
  try
  {
    engine.checkImage(input.loaded.tensor);
  }
  catch (const std::invalid_argument & error)
  {
    throw std::invalid_argument("cannot segment " + input.source + " with model " + modelPath + ": " + error.what());
  }
  const std::optional<DirectionMatrix> direction =
    dimension == 3 ? std::optional<DirectionMatrix>(directionOf(input.loaded.image)) : std::nullopt;
  std::cout << "input: " << input.source << ", " << formatSize(input.loaded) << '\n'
            << "model: " << modelPath << " (" << modelName << ")\n"
            << "pruning level " << options.level << ", " << toString(options.mode) << " mode"
            << (options.mirroring ? " with mirroring (test-time augmentation)" : "") << ", device "
            << engine.device().str() << ", " << engine.threads() << " thread(s)\n";

  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar(std::cerr, "segmenting", standardErrorIsTerminal());
  const SegmentationResult result = engine.segment(
    input.loaded.tensor, probabilitiesPath.has_value(),
    [&](double done) {
      bar.update(done);
      return true;
    },
    direction);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t slices = dimension == 2 ? 1 : sliceCount(input.loaded.tensor, engine.sliceAxisFor(input.loaded.tensor, direction));
  std::cout << "segmented " << slices << " slice(s) in " << std::fixed << std::setprecision(2) << seconds << " s\n";

  writeLabelmap(result.labels, input.loaded.image, dimension, outputPath);
  if (probabilitiesPath)
  {
    writeProbabilities(result.probabilities, input.loaded.image, dimension, *probabilitiesPath);
  }
  reportVolumes(std::cout, result.labels, engine.metadata(), input.loaded);
  warnIfFarFromTraining(std::cerr, engine.metadata(), input.loaded);
  std::cout << "wrote " << outputPath << (probabilitiesPath ? " and " + *probabilitiesPath : "") << '\n';
  return 0;
}

} // namespace unetpp

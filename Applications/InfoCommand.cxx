#include "CommandLine.h"
#include "Commands.h"
#include "DefaultModel.h"

#include "unetpp/ModelFile.h"
#include "unetpp/UNetPlusPlus.h"

#include <iostream>

namespace unetpp
{

int
runInfoCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine("info", "Show the metadata of a model file and the parameter count at each pruning level.");
  commandLine.addOption("model", "FILE", "model file (default: the bundled hippocampus model)");
  commandLine.addFlag("json", "print the whole metadata as JSON");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }

  const std::string path = commandLine.has("model") ? commandLine.value("model") : findDefaultModel();
  const Model model = loadModel(path);
  const ModelMetadata & metadata = model.metadata;
  if (commandLine.flag("json"))
  {
    std::cout << toJson(metadata).dump(2) << '\n';
    return 0;
  }

  std::cout << "model file: " << path << " (format version " << metadata.formatVersion << ")\n"
            << "name: " << metadata.name << '\n'
            << "architecture: " << toString(metadata.network.architecture) << ", filters";
  for (const int64_t width : metadata.network.filters)
  {
    std::cout << ' ' << width;
  }
  std::cout << ", normalization " << toString(metadata.network.normalization) << ", deep supervision "
            << (metadata.network.deepSupervision ? "yes" : "no") << '\n'
            << "input channels: " << metadata.network.inputChannels << ", slice axis " << metadata.sliceAxis
            << ", patch " << metadata.patchSize[0] << "x" << metadata.patchSize[1] << ", intensity "
            << metadata.intensity.method << '\n'
            << "classes:\n";
  for (const auto & info : metadata.classes)
  {
    std::cout << "  " << info.labelValue << ": " << info.name << '\n';
  }
  std::cout << "parameters: " << model.network->parameterCount() << " in all\n";
  for (const int level : model.network->supportedLevels())
  {
    std::cout << "  L" << level << ": " << model.network->parameterCount(level, InferenceMode::Fast) << " (fast), "
              << model.network->parameterCount(level, InferenceMode::Accurate) << " (accurate)\n";
  }
  std::cout << "training data: " << metadata.trainingData << " (" << metadata.trainingDataLicense << ")\n";
  if (!metadata.validationMetrics.empty())
  {
    std::cout << "validation metrics: " << metadata.validationMetrics.dump() << '\n';
  }
  return 0;
}

} // namespace unetpp

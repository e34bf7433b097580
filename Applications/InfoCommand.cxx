#include "CommandLine.h"
#include "Commands.h"
#include "DefaultModel.h"

#include "unetpp/ModelFile.h"
#include "unetpp/UNetPlusPlus.h"

#include <iostream>

namespace unetpp
{

namespace
{

/** Checks that a new class list describes the same labels as the model's: same count, same label values. */
void
checkSameLabels(const std::vector<ClassInfo> & classes, const std::vector<ClassInfo> & modelClasses,
                const std::string & classesPath, const std::string & modelPath)
{
  if (classes.size() != modelClasses.size())
  {
    throw std::invalid_argument("class list " + classesPath + " has " + std::to_string(classes.size()) +
                                " classes but model " + modelPath + " has " + std::to_string(modelClasses.size()));
  }
  for (size_t index = 0; index < classes.size(); ++index)
  {
    if (classes[index].labelValue != modelClasses[index].labelValue)
    {
      throw std::invalid_argument("class " + std::to_string(index) + " of " + classesPath + " has label value " +
                                  std::to_string(classes[index].labelValue) + " but the model's has " +
                                  std::to_string(modelClasses[index].labelValue));
    }
  }
}

/** Writes a copy of a model with new class descriptions or modalities; the weights stay as they are. */
int
writeUpdatedModel(const std::string & modelPath, const CommandLine & commandLine)
{
  Model model = loadModel(modelPath);
  if (const auto classesPath = commandLine.optionalValue("set-classes"))
  {
    std::vector<ClassInfo> classes = readClassesFile(*classesPath);
    checkSameLabels(classes, model.metadata.classes, *classesPath, modelPath);
    model.metadata.classes = std::move(classes);
  }
  if (const auto modalities = commandLine.optionalValue("set-modalities"))
  {
    model.metadata.modalities = splitList(*modalities);
  }
  const std::string output = commandLine.value("output");
  saveModel(output, model.metadata, model.network);
  std::cout << "wrote " << output << '\n';
  return 0;
}

} // namespace

int
runInfoCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine("info", "Show the metadata of a model file and the parameter count at each pruning level.");
  commandLine.addOption("model", "FILE", "model file (default: the bundled hippocampus model)");
  commandLine.addFlag("json", "print the whole metadata as JSON");
  commandLine.addOption("set-classes", "FILE",
                        "with --output: replace the class names, colours and DICOM codes by those of a JSON class list "
                        "with the same label values");
  commandLine.addOption("set-modalities", "LIST",
                        "with --output: the DICOM modalities the model is made for, comma-separated (for example MR)");
  commandLine.addOption("output", "FILE", "write a copy of the model with the changes of --set-classes or --set-modalities");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }

  const std::string path = commandLine.has("model") ? commandLine.value("model") : findDefaultModel();
  const bool changes = commandLine.has("set-classes") || commandLine.has("set-modalities");
  if (changes != commandLine.has("output"))
  {
    throw UsageError("options --set-classes and --set-modalities need --output, and --output needs one of them");
  }
  if (changes)
  {
    return writeUpdatedModel(path, commandLine);
  }
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
  std::cout << "modalities:";
  for (const auto & modality : metadata.modalities)
  {
    std::cout << ' ' << modality;
  }
  std::cout << (metadata.modalities.empty() ? " not stated\n" : "\n");
  std::cout << "training data: " << metadata.trainingData << " (" << metadata.trainingDataLicense << ")\n";
  if (!metadata.validationMetrics.empty())
  {
    std::cout << "validation metrics: " << metadata.validationMetrics.dump() << '\n';
  }
  return 0;
}

} // namespace unetpp

#include "InferenceCommandLine.h"

#include <stdexcept>

namespace unetpp
{

void
addDeviceOptions(CommandLine & commandLine, const std::string & threadsHelp)
{
  commandLine.addOption("device", "DEVICE", "auto (CUDA when available), cpu or cuda", "auto");
  commandLine.addOption("threads", "N", threadsHelp, "0");
  commandLine.addFlag("tta", "test-time augmentation: average the probabilities of each tile and of its mirror "
                             "images along rows, columns and both (4 times the network time); only for models "
                             "trained with flips");
}

void
addLevelAndModeOptions(CommandLine & commandLine)
{
  commandLine.addOption("level", "1-4",
                        "pruning level: the network ends at deep supervision head L (default: the model's deepest)");
  commandLine.addOption("mode", "MODE", "accurate (mean of heads 1..L) or fast (head L alone)", "accurate");
}

void
readDeviceOptions(const CommandLine & commandLine, const Model & model, InferenceOptions & options)
{
  options.device = commandLine.value("device");
  if (options.device != "auto" && options.device != "cpu" && options.device != "cuda")
  {
    throw UsageError("option --device expects auto, cpu or cuda, got '" + options.device + "'");
  }
  options.threads = commandLine.integer("threads");
  if (options.threads < 0 || options.threads > MaximumThreads)
  {
    throw UsageError("option --threads expects 0 (every core) to " + std::to_string(MaximumThreads) + ", got " +
                     std::to_string(options.threads));
  }
  options.mirroring = commandLine.flag("tta");
  if (options.mirroring)
  {
    try
    {
      checkMirroringSupported(model.metadata);
    }
    catch (const std::invalid_argument & error)
    {
      throw UsageError(std::string("option --tta: ") + error.what());
    }
  }
  // Resolving the device now makes --device cuda on a machine without a GPU fail before a long scan or read.
  resolveDevice(options.device);
}

InferenceOptions
inferenceOptionsFrom(const CommandLine & commandLine, const Model & model)
{
  InferenceOptions options;
  options.level = commandLine.has("level") ? commandLine.integer("level") : model.network->supportedLevels().back();
  try
  {
    model.network->checkLevel(options.level);
  }
  catch (const std::invalid_argument & error)
  {
    throw UsageError(std::string("option --level: ") + error.what());
  }
  try
  {
    options.mode = inferenceModeFromString(commandLine.value("mode"));
  }
  catch (const std::invalid_argument & error)
  {
    throw UsageError(std::string("option --mode: ") + error.what());
  }
  readDeviceOptions(commandLine, model, options);
  return options;
}

} // namespace unetpp

#include "InferenceCommandLine.h"

#include <stdexcept>

namespace unetpp
{

void
addDeviceOptions(CommandLine & commandLine, const std::string & threadsHelp)
{
  commandLine.addOption("device", "DEVICE", "auto (CUDA when available), cpu or cuda", "auto");
  commandLine.addOption("threads", "N", threadsHelp, "0");
  commandLine.addFlag("tta", "test-time augmentation: average the probabilities of each slice and of its mirror "
                             "images along rows, columns and both (4 times the network time)");
}

void
addLevelAndModeOptions(CommandLine & commandLine)
{
  commandLine.addOption("level", "1-4",
                        "pruning level: the network ends at deep supervision head L (default: the model's deepest)");
  commandLine.addOption("mode", "MODE", "accurate (mean of heads 1..L) or fast (head L alone)", "accurate");
}

void
readDeviceOptions(const CommandLine & commandLine, InferenceOptions & options)
{
  options.device = commandLine.value("device");
  if (options.device != "auto" && options.device != "cpu" && options.device != "cuda")
  {
    throw UsageError("option --device expects auto, cpu or cuda, got '" + options.device + "'");
  }
  options.threads = commandLine.integer("threads");
  if (options.threads < 0 || options.threads > 1024)
  {
    throw UsageError("option --threads expects 0 (every core) to 1024, got " + std::to_string(options.threads));
  }
  options.mirroring = commandLine.flag("tta");
}

InferenceOptions
inferenceOptionsFrom(const CommandLine & commandLine, const UNetPlusPlus & network)
{
  InferenceOptions options;
  options.level = commandLine.has("level") ? commandLine.integer("level") : network->supportedLevels().back();
  try
  {
    network->checkLevel(options.level);
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
  readDeviceOptions(commandLine, options);
  return options;
}

} // namespace unetpp

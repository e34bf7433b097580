#include "ModuleArguments.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace unetpp::slicer
{

namespace
{

using ValueSetter = std::function<void(ModuleArguments &, const std::string &)>;

/** Index parameters in index order, as the description declares them. */
const std::vector<std::string> IndexParameterNames{ "inputVolume", "outputLabelmap" };

std::string
joinChoices(const std::vector<std::string> & choices)
{
  std::string text;
  for (const auto & choice : choices)
  {
    text += (text.empty() ? "" : ", ") + choice;
  }
  return text;
}

/** Returns `value` when it is one of `choices`, as string-enumeration parameters require. */
std::string
requireChoice(const std::string & flag, const std::string & value, const std::vector<std::string> & choices)
{
  if (std::find(choices.begin(), choices.end(), value) == choices.end())
  {
    throw ArgumentError("invalid value '" + value + "' for --" + flag + ": expected one of " + joinChoices(choices));
  }
  return value;
}

int
parsePruningLevel(const std::string & value)
{
  const std::string level = requireChoice("pruningLevel", value, { "L1", "L2", "L3", "L4" });
  return level[1] - '0';
}

int
parseThreads(const std::string & value)
{
  std::size_t parsed = 0;
  int threads = -1;
  try
  {
    threads = std::stoi(value, &parsed);
  }
  catch (const std::exception &)
  {
    parsed = 0;
  }
  if (parsed != value.size() || threads < 0 || threads > MaximumThreads)
  {
    throw ArgumentError("invalid value '" + value + "' for --threads: expected a whole number from 0 (every core) to " +
                        std::to_string(MaximumThreads));
  }
  return threads;
}

/** Flags that take a value, keyed by the long flag without its dashes. */
const std::map<std::string, ValueSetter> &
valueFlags()
{
  static const std::map<std::string, ValueSetter> flags{
    { "probabilityVolume", [](ModuleArguments & a, const std::string & v) { a.probabilityVolume = v; } },
    { "modelFile", [](ModuleArguments & a, const std::string & v) { a.modelFile = v; } },
    { "pruningLevel", [](ModuleArguments & a, const std::string & v) { a.pruningLevel = parsePruningLevel(v); } },
    { "inferenceMode",
      [](ModuleArguments & a, const std::string & v) { a.inferenceMode = requireChoice("inferenceMode", v, { "accurate", "fast" }); } },
    { "device",
      [](ModuleArguments & a, const std::string & v) { a.device = requireChoice("device", v, { "auto", "cpu", "cuda" }); } },
    { "threads", [](ModuleArguments & a, const std::string & v) { a.threads = parseThreads(v); } },
    { "returnparameterfile", [](ModuleArguments & a, const std::string & v) { a.returnParameterFile = v; } },
    // Slicer passes the address of its progress structure to modules loaded as shared libraries only.
    { "processinformationaddress", [](ModuleArguments &, const std::string &) {} },
  };
  return flags;
}

/** Splits "--name=value" into its name and value. A flag without "=" has no value. */
std::pair<std::string, std::optional<std::string>>
splitFlag(const std::string & argument)
{
  const std::string body = argument.substr(argument.rfind("--", 0) == 0 ? 2 : 1);
  const auto equals = body.find('=');
  if (equals == std::string::npos)
  {
    return { body, std::nullopt };
  }
  return { body.substr(0, equals), body.substr(equals + 1) };
}

void
assignIndexParameters(ModuleArguments & arguments, const std::vector<std::string> & positional)
{
  if (positional.size() > IndexParameterNames.size())
  {
    throw ArgumentError("unexpected argument '" + positional[IndexParameterNames.size()] +
                        "': the module takes two positional arguments, the input volume and the output labelmap");
  }
  if (positional.size() < IndexParameterNames.size())
  {
    throw ArgumentError("missing the " + std::string(positional.empty() ? "input volume" : "output labelmap") +
                        " path: pass the input volume and the output labelmap as the last two arguments");
  }
  arguments.inputVolume = positional[0];
  arguments.outputLabelmap = positional[1];
}

/**
 * Returns the absolute, normalised path that `path` writes to: symbolic links are followed even when their
 * target does not exist yet, since writing through such a link creates the target.
 */
std::filesystem::path
resolvedPath(const std::string & path)
{
  namespace fs = std::filesystem;
  std::error_code ignored;
  fs::path resolved = fs::absolute(path, ignored);
  // At most 40 links are followed, so that a link cycle ends.
  for (int depth = 0; depth < 40 && fs::is_symlink(fs::symlink_status(resolved, ignored)); ++depth)
  {
    const fs::path target = fs::read_symlink(resolved, ignored);
    if (ignored)
    {
      break;
    }
    resolved = target.is_absolute() ? target : resolved.parent_path() / target;
  }
  return fs::weakly_canonical(resolved, ignored);
}

/** Rejects two paths that name the same file, because the later write would replace the earlier file or the input. */
void
rejectSharedPaths(const ModuleArguments & arguments)
{
  struct NamedPath
  {
    std::string name;
    std::string path;
    std::filesystem::path resolved;
  };
  std::vector<NamedPath> paths;
  for (const auto & [name, path] : std::vector<std::pair<std::string, std::string>>{
         { "the input volume", arguments.inputVolume },
         { "the output labelmap", arguments.outputLabelmap },
         { "--probabilityVolume", arguments.probabilityVolume },
         { "--returnparameterfile", arguments.returnParameterFile } })
  {
    if (!path.empty())
    {
      paths.push_back({ name, path, resolvedPath(path) });
    }
  }

  for (std::size_t first = 0; first < paths.size(); ++first)
  {
    for (std::size_t second = first + 1; second < paths.size(); ++second)
    {
      // A hard link gives one existing file two names, which only the file system can match.
      std::error_code ignored;
      if (paths[first].resolved == paths[second].resolved ||
          std::filesystem::equivalent(paths[first].path, paths[second].path, ignored))
      {
        throw ArgumentError(paths[first].name + " (" + paths[first].path + ") and " + paths[second].name + " (" +
                            paths[second].path + ") are the same file. Give each its own path.");
      }
    }
  }
}

} // namespace

ModuleArguments
parseModuleArguments(const std::vector<std::string> & arguments)
{
  ModuleArguments parsed;
  std::vector<std::string> positional;
  std::set<std::string> seen;
  bool flagsEnded = false;

  for (std::size_t i = 0; i < arguments.size(); ++i)
  {
    const std::string & argument = arguments[i];
    const bool isFlag = !flagsEnded && argument.size() > 1 && argument[0] == '-';
    if (!isFlag)
    {
      positional.push_back(argument);
      continue;
    }
    if (argument == "--")
    {
      flagsEnded = true;
      continue;
    }

    auto [name, inlineValue] = splitFlag(argument);
    if (name == "xml")
    {
      parsed.printXml = true;
      continue;
    }
    if (name == "help" || name == "h")
    {
      parsed.printHelp = true;
      continue;
    }
    const bool isBooleanFlag = name == "testTimeAugmentation";
    const auto flag = valueFlags().find(name);
    if (!isBooleanFlag && flag == valueFlags().end())
    {
      throw ArgumentError("unknown option '" + argument + "'");
    }
    if (!seen.insert(name).second)
    {
      throw ArgumentError("option --" + name + " is given more than once");
    }
    if (isBooleanFlag)
    {
      if (inlineValue)
      {
        throw ArgumentError("option --testTimeAugmentation takes no value (give the flag alone to switch it on)");
      }
      parsed.testTimeAugmentation = true;
      continue;
    }
    if (!inlineValue)
    {
      // The next option taken as this one's value would fail later with a misleading message.
      if (i + 1 == arguments.size() || arguments[i + 1].rfind("--", 0) == 0)
      {
        throw ArgumentError("option --" + name + " needs a value");
      }
      inlineValue = arguments[++i];
    }
    flag->second(parsed, *inlineValue);
  }

  if (!parsed.printXml && !parsed.printHelp)
  {
    assignIndexParameters(parsed, positional);
    rejectSharedPaths(parsed);
  }
  return parsed;
}

std::string
moduleUsage(const std::string & program)
{
  return "usage: " + program +
         " [options] INPUT_VOLUME OUTPUT_LABELMAP\n"
         "\n"
         "Segments a scalar volume with a UNet++ model and writes a labelmap with the input's geometry.\n"
         "Volumes are read and written with ITK image IO (NRRD, NIfTI, MetaImage, ...).\n"
         "\n"
         "options:\n"
         "  --modelFile FILE           UNet++ model file (.unetpp); default: the bundled hippocampus model\n"
         "  --pruningLevel L1..L4      sub-network that ends at deep supervision head k (default L4)\n"
         "  --inferenceMode MODE       accurate (mean of heads 1..k) or fast (head k alone); default accurate\n"
         "  --device DEVICE            auto, cpu or cuda (default auto: CUDA when available)\n"
         "  --threads N                CPU threads for inference, 0 for every core, at most " +
         std::to_string(MaximumThreads) +
         " (default 0)\n"
         "  --testTimeAugmentation     average the predictions of each slice and its mirror images (4 times slower);\n"
         "                             only for models trained on mirrored images, which the bundled model is not\n"
         "  --probabilityVolume FILE   also write the per-class probabilities as a vector volume\n"
         "  --returnparameterfile FILE write the volume of each label in mL to FILE (name = value lines)\n"
         "  --xml                      print the SlicerExecutionModel description and exit\n"
         "  --help                     print this text and exit\n";
}

} // namespace unetpp::slicer

#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace unetpp::slicer
{

/** Largest --threads value; the description's maximum and the inference engine's limit are the same. */
constexpr int MaximumThreads = 128;

/** Parameter values of the module, named as in UNetPlusPlusSegmentation.xml. */
struct ModuleArguments
{
  std::string inputVolume;       ///< index 0
  std::string outputLabelmap;    ///< index 1
  std::string probabilityVolume; ///< --probabilityVolume; empty when no probabilities are requested
  std::string modelFile;         ///< --modelFile; empty for the bundled model
  int pruningLevel = 4;          ///< --pruningLevel L1..L4
  std::string inferenceMode = "accurate";
  std::string device = "auto";
  int threads = 0; ///< 0 uses every core
  /// --testTimeAugmentation, a boolean parameter: Slicer passes the flag alone when it is on.
  bool testTimeAugmentation = false;

  /** --returnparameterfile, which Slicer adds because the module has a return parameter. Empty: none written. */
  std::string returnParameterFile;

  bool printXml = false;
  bool printHelp = false;
};

/** Raised for a command line that the module description does not allow. The message names the argument. */
class ArgumentError : public std::invalid_argument
{
public:
  using std::invalid_argument::invalid_argument;
};

/**
 * Parses the command line that Slicer builds from the module description: flagged parameters first, as
 * "--name value" or "--name=value", then the index parameters in index order (input volume, output labelmap).
 * "--" ends the flags. Slicer's own flags --returnparameterfile and --processinformationaddress are accepted,
 * the second one is ignored. With --xml or --help, the index parameters may be absent.
 * Throws ArgumentError, also when two of the input and output paths name the same file.
 */
ModuleArguments
parseModuleArguments(const std::vector<std::string> & arguments);

/** Usage text for --help: each parameter, its flag and what it sets. */
std::string
moduleUsage(const std::string & program);

} // namespace unetpp::slicer

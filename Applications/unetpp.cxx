#include "CommandLine.h"
#include "Commands.h"

#include <itkObject.h>

#include <iostream>
#include <map>
#include <functional>

namespace
{

const char * const Usage = R"(usage: unetpp COMMAND [options]

UNet++ segmentation of medical images (Zhou et al., DLMIA 2018).

commands:
  segment    segment an image, a volume or a DICOM series with a model file
  train      train a model on a folder of image/label pairs
  info       show what a model file contains
  evaluate   score predicted labelmaps (or a model on a labelled folder) against ground truth: Dice, IoU
  benchmark  time inference at each pruning level and mode, with throughput and peak memory
  batch      segment every suitable series of a folder tree of DICOM files, with DICOM SEG output and a manifest

Run 'unetpp COMMAND --help' for the options of a command.
)";

} // namespace

int
main(int argc, char * argv[])
{
  const std::map<std::string, std::function<int(const std::vector<std::string> &)>> commands{
    { "segment", unetpp::runSegmentCommand },
    { "train", unetpp::runTrainCommand },
    { "info", unetpp::runInfoCommand },
    { "evaluate", unetpp::runEvaluateCommand },
    { "benchmark", unetpp::runBenchmarkCommand },
    { "batch", unetpp::runBatchCommand },
  };
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")
  {
    std::cout << Usage;
    return argc < 2 ? 2 : 0;
  }
  const auto command = commands.find(argv[1]);
  if (command == commands.end())
  {
    std::cerr << "unetpp: unknown command '" << argv[1] << "'\n\n" << Usage;
    return 2;
  }
  // ITK prints warnings such as "No Series were found" on its own; this program reports those cases itself.
  itk::Object::GlobalWarningDisplayOff();

  const std::vector<std::string> arguments(argv + 2, argv + argc);
  try
  {
    return command->second(arguments);
  }
  catch (const unetpp::UsageError & error)
  {
    std::cerr << "unetpp " << argv[1] << ": " << error.what() << "\nRun 'unetpp " << argv[1] << " --help' for usage.\n";
    return 2;
  }
  catch (const std::exception & error)
  {
    std::cerr << "unetpp " << argv[1] << ": error: " << error.what() << '\n';
    return 1;
  }
}

#pragma once

#include <string>
#include <vector>

namespace unetpp
{

/** Each subcommand parses its own arguments (those after its name) and returns the process exit status. */
int runTrainCommand(const std::vector<std::string> & arguments);
int runSegmentCommand(const std::vector<std::string> & arguments);
int runInfoCommand(const std::vector<std::string> & arguments);
int runEvaluateCommand(const std::vector<std::string> & arguments);
int runBenchmarkCommand(const std::vector<std::string> & arguments);
int runBatchCommand(const std::vector<std::string> & arguments);

} // namespace unetpp

#pragma once

#include <string>

namespace unetpp::testing
{

/** Exit status and combined standard output and error of a finished command. */
struct CommandResult
{
  int exitStatus = -1;
  std::string output;
};

/** Runs `unetpp` with the given argument string (already shell-quoted) and waits for it. */
CommandResult runUnetpp(const std::string & arguments);

/** Single-quotes a path for the shell. */
std::string quoted(const std::string & text);

/** Folder ../shared/data next to the repository, or an empty string when it is absent. */
std::string sharedDataFolder();

/** The bundled default model in the source tree. */
std::string bundledModelPath();

/** A new empty folder under the system's temporary folder, removed by the caller. */
std::string makeTemporaryFolder();

} // namespace unetpp::testing

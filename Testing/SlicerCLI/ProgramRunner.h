#pragma once

#include <string>
#include <vector>

namespace unetpp::testing
{

/** Exit status and separate standard output and error of a finished program. */
struct ProgramResult
{
  int exitStatus = -1; ///< the program's exit code, or -1 when it did not exit normally
  std::string standardOutput;
  std::string standardError;
};

/** Runs `program` with `arguments` (each passed as one argument, no shell expansion) and waits for it. */
ProgramResult
runProgram(const std::string & program, const std::vector<std::string> & arguments);

/** Creates an empty folder under the system's temporary folder and returns its path. The caller removes it. */
std::string
makeTemporaryFolder(const std::string & prefix);

/** The whole content of a text file, or an empty string when it cannot be read. */
std::string
readTextFile(const std::string & path);

} // namespace unetpp::testing

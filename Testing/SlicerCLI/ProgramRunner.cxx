#include "ProgramRunner.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace unetpp::testing
{

namespace
{

namespace fs = std::filesystem;

std::string
shellQuoted(const std::string & text)
{
  std::string quoted = "'";
  for (const char character : text)
  {
    quoted += character == '\'' ? std::string("'\\''") : std::string(1, character);
  }
  return quoted + "'";
}

} // namespace

ProgramResult
runProgram(const std::string & program, const std::vector<std::string> & arguments)
{
  const std::string folder = makeTemporaryFolder("unetpp-run");
  const std::string outputFile = folder + "/stdout.txt";
  const std::string errorFile = folder + "/stderr.txt";

  std::string command = shellQuoted(program);
  for (const auto & argument : arguments)
  {
    command += " " + shellQuoted(argument);
  }
  command += " > " + shellQuoted(outputFile) + " 2> " + shellQuoted(errorFile) + " < /dev/null";

  const int status = std::system(command.c_str());
  ProgramResult result;
  result.exitStatus = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  result.standardOutput = readTextFile(outputFile);
  result.standardError = readTextFile(errorFile);
  fs::remove_all(folder);
  return result;
}

std::string
makeTemporaryFolder(const std::string & prefix)
{
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
  {
    throw std::runtime_error("cannot create a temporary folder from the pattern " + pattern);
  }
  return pattern;
}

std::string
readTextFile(const std::string & path)
{
  std::ifstream file(path);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

} // namespace unetpp::testing

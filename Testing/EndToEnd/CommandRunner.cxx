#include "CommandRunner.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <sys/wait.h>

namespace unetpp::testing
{

std::string
quoted(const std::string & text)
{
  std::string result = "'";
  for (const char character : text)
  {
    result += character == '\'' ? std::string("'\\''") : std::string(1, character);
  }
  return result + "'";
}

CommandResult
runUnetpp(const std::string & arguments)
{
  const std::string command = quoted(UNETPP_EXECUTABLE) + " " + arguments + " 2>&1";
  FILE * pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
  {
    throw std::runtime_error("cannot start " + command);
  }
  CommandResult result;
  std::array<char, 4096> buffer{};
  size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
  {
    result.output.append(buffer.data(), count);
  }
  const int status = ::pclose(pipe);
  result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string
sharedDataFolder()
{
  const std::filesystem::path folder(UNETPP_SHARED_DATA_DIR);
  return std::filesystem::is_directory(folder) ? folder.lexically_normal().string() : std::string();
}

std::string
bundledModelPath()
{
  return UNETPP_BUNDLED_MODEL;
}

std::string
makeTemporaryFolder()
{
  std::string pattern = (std::filesystem::temp_directory_path() / "unetpp-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
  {
    throw std::runtime_error("cannot create a temporary folder from " + pattern);
  }
  return pattern;
}

} // namespace unetpp::testing

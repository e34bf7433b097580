#include "DefaultModel.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace unetpp
{

namespace
{

std::filesystem::path
executableFolder()
{
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : executable.parent_path();
}

} // namespace

std::string
findDefaultModel()
{
  std::vector<std::filesystem::path> candidates;
  if (const char * folder = std::getenv("UNETPP_MODEL_DIR"))
  {
    candidates.push_back(std::filesystem::path(folder) / DefaultModelFileName);
  }
  const auto executable = executableFolder();
  if (!executable.empty())
  {
    candidates.push_back(executable / ".." / "share" / "unetpp" / "models" / DefaultModelFileName);
  }
  candidates.push_back(std::filesystem::path(UNETPP_SOURCE_DATA_DIR) / DefaultModelFileName);

  std::string searched;
  for (const auto & candidate : candidates)
  {
    if (std::filesystem::is_regular_file(candidate))
    {
      return candidate.lexically_normal().string();
    }
    searched += "\n  " + candidate.lexically_normal().string();
  }
  throw std::invalid_argument("the default model " + std::string(DefaultModelFileName) +
                              " was not found; pass --model FILE or set UNETPP_MODEL_DIR. Searched:" + searched);
}

} // namespace unetpp

#include "BundledModel.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace unetpp::slicer
{

namespace
{

namespace fs = std::filesystem;

/** Folder of the running executable, from /proc/self/exe (Linux) or else from argv[0]. */
fs::path
executableFolder(const std::string & programPath)
{
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error)
  {
    return executable.parent_path();
  }

  // Slicer starts CLI modules with their full path, so argv[0] names the folder on other systems.
  const fs::path program(programPath);
  if (!program.has_parent_path())
  {
    return {};
  }
  return fs::absolute(program, error).parent_path();
}

} // namespace

std::string
findBundledModel(const std::string & programPath)
{
  std::vector<fs::path> candidates;
  if (const char * folder = std::getenv("UNETPP_MODEL_DIR"))
  {
    candidates.push_back(fs::path(folder) / BundledModelFileName);
  }
  const fs::path executable = executableFolder(programPath);
  if (!executable.empty())
  {
    candidates.push_back(executable / UNETPP_CLI_MODELS_RELATIVE_DIR / BundledModelFileName);
  }
  candidates.push_back(fs::path(UNETPP_SOURCE_DATA_DIR) / BundledModelFileName);

  std::string searched;
  for (const auto & candidate : candidates)
  {
    if (fs::is_regular_file(candidate))
    {
      return candidate.lexically_normal().string();
    }
    searched += "\n  " + candidate.lexically_normal().string();
  }
  throw std::runtime_error("the bundled model " + std::string(BundledModelFileName) +
                           " was not found; choose a model file (--modelFile) or set UNETPP_MODEL_DIR. Searched:" +
                           searched);
}

} // namespace unetpp::slicer

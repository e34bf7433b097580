#include "BenchmarkMemory.h"

#include <fstream>
#include <sstream>

#include <sys/resource.h>

namespace unetpp
{

bool
resetPeakMemory()
{
  std::ofstream clearReferences("/proc/self/clear_refs");
  if (!clearReferences)
  {
    return false;
  }
  clearReferences << "5";
  clearReferences.flush();
  return static_cast<bool>(clearReferences);
}

PeakMemory
readPeakMemory(bool sinceReset)
{
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
  {
    if (line.rfind("VmHWM:", 0) == 0)
    {
      std::istringstream fields(line.substr(6));
      double kibibytes = 0.0;
      fields >> kibibytes;
      return { kibibytes / 1024.0, sinceReset ? "VmHWM in /proc/self/status, reset before each configuration"
                                              : "VmHWM in /proc/self/status, since the start of the process" };
    }
  }

  // Linux reports ru_maxrss in kibibytes.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return { static_cast<double>(usage.ru_maxrss) / 1024.0, "getrusage ru_maxrss, since the start of the process" };
}

} // namespace unetpp

#pragma once

#include <string>

namespace unetpp
{

/** Peak resident set size of this process, and how it was measured. */
struct PeakMemory
{
  double mebibytes = 0.0;
  std::string source;
};

/**
 * Resets the kernel's peak resident set size of this process (VmHWM) by writing 5 to /proc/self/clear_refs,
 * available on Linux 4.0 and later. Returns false when that is not possible, in which case peaks count from
 * the start of the process.
 */
bool resetPeakMemory();

/**
 * Reads the peak resident set size: VmHWM from /proc/self/status, or getrusage's ru_maxrss (since the start of
 * the process) where /proc is not available. `sinceReset` is whether resetPeakMemory() succeeded, as the source text reports it.
 */
PeakMemory readPeakMemory(bool sinceReset);

} // namespace unetpp

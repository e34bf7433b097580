#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace unetpp::slicer
{

/**
 * Writes the progress lines that Slicer reads from a CLI module's standard output and turns into its
 * progress bar and status text:
 *   <filter-start><filter-name>NAME</filter-name><filter-comment>COMMENT</filter-comment></filter-start>
 *   <filter-progress>FRACTION</filter-progress>
 *   <filter-end><filter-name>NAME</filter-name><filter-time>SECONDS</filter-time></filter-end>
 * Each line is flushed at once, because Slicer reads the stream while the module runs.
 */
class SlicerProgress
{
public:
  SlicerProgress(std::ostream & output, std::string filterName);

  /** Writes the start line with a comment that Slicer shows as the status text. */
  void
  start(const std::string & comment);

  /** Writes the fraction done (0 to 1) when it differs from the last one written. */
  void
  report(double fraction);

  /** Writes the end line with the seconds since start(). */
  void
  end();

private:
  std::ostream & m_Output;
  std::string m_FilterName;
  std::chrono::steady_clock::time_point m_StartTime;
  double m_LastFraction = -1.0;
};

/** Replaces '<', '>' and line breaks, because Slicer reads a tag's text up to the next '<'. */
std::string
textForTag(const std::string & text);

} // namespace unetpp::slicer

#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace unetpp
{

/**
 * Text progress bar with elapsed time and an estimate of the time left. On a terminal it redraws one
 * line. In a log file or pipe it prints a line at every tenth of the work, so logs stay readable.
 */
class ProgressBar
{
public:
  ProgressBar(std::ostream & stream, std::string label, bool interactive);

  /** Shows `fraction` (0..1) done, with an optional status text such as the current loss. */
  void update(double fraction, const std::string & status = "");

  /** Completes the line. */
  void finish(const std::string & status = "");

  /** Ends the line at the fraction reached so far, with `reason` (for example "interrupted") in place of 100 %. */
  void stop(const std::string & reason);

  /** "1h02m", "3m05s" or "12s". */
  static std::string formatDuration(double seconds);

private:
  std::ostream & m_Stream;
  std::string m_Label;
  bool m_Interactive;
  int m_LastTenth = -1;
  double m_Fraction = 0.0;
  std::chrono::steady_clock::time_point m_Start;
  std::chrono::steady_clock::time_point m_LastDraw;
};

/** Whether standard error is a terminal. */
bool standardErrorIsTerminal();

} // namespace unetpp

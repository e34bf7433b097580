#include "ProgressBar.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include <unistd.h>

namespace unetpp
{

namespace
{

constexpr int BarWidth = 30;

// A terminal line is redrawn at most this often, so that fast loops do not flood the terminal.
constexpr std::chrono::milliseconds RedrawInterval{ 100 };

} // namespace

bool
standardErrorIsTerminal()
{
  return ::isatty(STDERR_FILENO) == 1;
}

ProgressBar::ProgressBar(std::ostream & stream, std::string label, bool interactive)
  : m_Stream(stream)
  , m_Label(std::move(label))
  , m_Interactive(interactive)
  , m_Start(std::chrono::steady_clock::now())
  , m_LastDraw(m_Start - RedrawInterval)
{}

std::string
ProgressBar::formatDuration(double seconds)
{
  const auto total = static_cast<long>(std::lround(std::max(0.0, seconds)));
  std::ostringstream text;
  if (total >= 3600)
  {
    text << total / 3600 << "h" << std::setw(2) << std::setfill('0') << (total % 3600) / 60 << "m";
  }
  else if (total >= 60)
  {
    text << total / 60 << "m" << std::setw(2) << std::setfill('0') << total % 60 << "s";
  }
  else
  {
    text << total << "s";
  }
  return text.str();
}

void
ProgressBar::update(double fraction, const std::string & status)
{
  fraction = std::clamp(fraction, 0.0, 1.0);
  m_Fraction = fraction;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - m_Start).count();
  const double left = fraction > 0.0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  const int tenth = static_cast<int>(fraction * 10.0);

  if (m_Interactive)
  {
    if (now - m_LastDraw < RedrawInterval && fraction < 1.0)
    {
      return;
    }
    m_LastDraw = now;
    const int filled = static_cast<int>(fraction * BarWidth);
    m_Stream << '\r' << m_Label << " [" << std::string(static_cast<size_t>(filled), '=')
             << std::string(static_cast<size_t>(BarWidth - filled), ' ') << "] " << std::setw(3)
             << static_cast<int>(fraction * 100.0) << "% " << formatDuration(elapsed) << " elapsed, "
             << formatDuration(left) << " left" << (status.empty() ? "" : ", " + status) << "\033[K" << std::flush;
    return;
  }
  if (tenth > m_LastTenth)
  {
    m_LastTenth = tenth;
    // The first line comes after one step, too early for an estimate of the time left.
    m_Stream << m_Label << ": " << tenth * 10 << "% after " << formatDuration(elapsed)
             << (tenth == 0 ? "" : ", " + formatDuration(left) + " left") << (status.empty() ? "" : ", " + status) << '\n'
             << std::flush;
  }
}

void
ProgressBar::finish(const std::string & status)
{
  if (m_Interactive)
  {
    update(1.0, status);
    m_Stream << '\n' << std::flush;
  }
  else if (m_LastTenth < 10)
  {
    update(1.0, status);
  }
}

void
ProgressBar::stop(const std::string & reason)
{
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_Start).count();
  m_Stream << (m_Interactive ? "\r" : "") << m_Label << ": " << reason << " at " << static_cast<int>(m_Fraction * 100.0)
           << "% after " << formatDuration(elapsed) << (m_Interactive ? "\033[K" : "") << '\n'
           << std::flush;
}

} // namespace unetpp

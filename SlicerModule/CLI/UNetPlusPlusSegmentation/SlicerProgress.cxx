#include "SlicerProgress.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace unetpp::slicer
{

SlicerProgress::SlicerProgress(std::ostream & output, std::string filterName)
  : m_Output(output)
  , m_FilterName(textForTag(filterName))
  , m_StartTime(std::chrono::steady_clock::now())
{}

void
SlicerProgress::start(const std::string & comment)
{
  m_StartTime = std::chrono::steady_clock::now();
  m_LastFraction = -1.0;
  m_Output << "<filter-start><filter-name>" << m_FilterName << "</filter-name><filter-comment>" << textForTag(comment)
           << "</filter-comment></filter-start>" << std::endl;
}

void
SlicerProgress::report(double fraction)
{
  fraction = std::clamp(fraction, 0.0, 1.0);

  // Four decimals resolve one slice in 10,000. Repeated values would only add lines to Slicer's log.
  std::ostringstream text;
  text << std::fixed << std::setprecision(4) << fraction;
  const double rounded = std::stod(text.str());
  if (rounded == m_LastFraction)
  {
    return;
  }
  m_LastFraction = rounded;
  m_Output << "<filter-progress>" << text.str() << "</filter-progress>" << std::endl;
}

void
SlicerProgress::end()
{
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - m_StartTime;
  m_Output << "<filter-end><filter-name>" << m_FilterName << "</filter-name><filter-time>" << std::fixed
           << std::setprecision(2) << elapsed.count() << "</filter-time></filter-end>" << std::endl;
}

std::string
textForTag(const std::string & text)
{
  std::string cleaned = text;
  std::replace(cleaned.begin(), cleaned.end(), '<', '(');
  std::replace(cleaned.begin(), cleaned.end(), '>', ')');
  std::replace(cleaned.begin(), cleaned.end(), '\n', ' ');
  std::replace(cleaned.begin(), cleaned.end(), '\r', ' ');
  return cleaned;
}

} // namespace unetpp::slicer

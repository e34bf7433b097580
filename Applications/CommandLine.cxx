#include "CommandLine.h"

#include <sstream>

namespace unetpp
{

CommandLine::CommandLine(std::string command, std::string summary)
  : m_Command(std::move(command))
  , m_Summary(std::move(summary))
{}

void
CommandLine::addOption(const std::string & name, const std::string & valueName, const std::string & help,
                       std::optional<std::string> defaultValue)
{
  m_Order.push_back(name);
  m_Options[name] = Option{ valueName, help, std::move(defaultValue) };
}

void
CommandLine::addFlag(const std::string & name, const std::string & help)
{
  m_Order.push_back(name);
  m_Options[name] = Option{ "", help, std::nullopt };
}

const CommandLine::Option &
CommandLine::declared(const std::string & name) const
{
  const auto found = m_Options.find(name);
  if (found == m_Options.end())
  {
    throw UsageError("unknown option --" + name);
  }
  return found->second;
}

void
CommandLine::parse(const std::vector<std::string> & arguments)
{
  for (size_t index = 0; index < arguments.size(); ++index)
  {
    const std::string & argument = arguments[index];
    if (argument.rfind("--help=", 0) == 0)
    {
      throw UsageError("option --help takes no value");
    }
    if (argument == "--help" || argument == "-h")
    {
      m_HelpRequested = true;
      continue;
    }
    if (argument.rfind("--", 0) != 0)
    {
      throw UsageError("unexpected argument '" + argument + "': options start with --");
    }
    std::string name = argument.substr(2);
    std::optional<std::string> inlineValue;
    if (const auto equals = name.find('='); equals != std::string::npos)
    {
      inlineValue = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    const Option & option = declared(name);
    if (m_Values.count(name) > 0)
    {
      // The later value would silently win, which hides a mistake in a long or generated command line.
      throw UsageError("option --" + name + " is given more than once");
    }
    if (option.valueName.empty())
    {
      if (inlineValue)
      {
        throw UsageError("option --" + name + " takes no value");
      }
      m_Values[name] = "1";
      continue;
    }
    // A missing value is reported as such, not as a stray argument later: an empty value, or the next
    // option taken as the value. A value that starts with "--" can be given as --name=value.
    const bool nextIsValue = index + 1 < arguments.size() && arguments[index + 1].rfind("--", 0) != 0;
    if (!inlineValue && nextIsValue)
    {
      inlineValue = arguments[++index];
    }
    if (!inlineValue || inlineValue->empty())
    {
      throw UsageError("option --" + name + " needs a value (" + option.valueName + ")");
    }
    m_Values[name] = *inlineValue;
  }
}

bool
CommandLine::has(const std::string & name) const
{
  declared(name);
  return m_Values.count(name) > 0;
}

bool
CommandLine::flag(const std::string & name) const
{
  return has(name);
}

std::optional<std::string>
CommandLine::optionalValue(const std::string & name) const
{
  const Option & option = declared(name);
  const auto found = m_Values.find(name);
  if (found != m_Values.end())
  {
    return found->second;
  }
  return option.defaultValue;
}

std::string
CommandLine::value(const std::string & name) const
{
  const auto result = optionalValue(name);
  if (!result)
  {
    throw UsageError("missing required option --" + name);
  }
  return *result;
}

int
CommandLine::integer(const std::string & name) const
{
  const std::string text = value(name);
  size_t used = 0;
  int result = 0;
  try
  {
    result = std::stoi(text, &used);
  }
  catch (const std::exception &)
  {
    used = 0;
  }
  if (used != text.size() || text.empty())
  {
    throw UsageError("option --" + name + " expects an integer, got '" + text + "'");
  }
  return result;
}

double
CommandLine::number(const std::string & name) const
{
  const std::string text = value(name);
  size_t used = 0;
  double result = 0.0;
  try
  {
    result = std::stod(text, &used);
  }
  catch (const std::exception &)
  {
    used = 0;
  }
  if (used != text.size() || text.empty())
  {
    throw UsageError("option --" + name + " expects a number, got '" + text + "'");
  }
  return result;
}

std::vector<std::string>
splitList(const std::string & text)
{
  std::vector<std::string> items;
  std::istringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
  {
    if (!item.empty())
    {
      items.push_back(item);
    }
  }
  return items;
}

std::string
CommandLine::usage() const
{
  std::ostringstream text;
  text << "usage: unetpp " << m_Command << " [options]\n" << m_Summary << "\n\noptions:\n";
  for (const auto & name : m_Order)
  {
    const Option & option = m_Options.at(name);
    std::string left = "  --" + name + (option.valueName.empty() ? "" : " " + option.valueName);
    if (left.size() < 28)
    {
      left.resize(28, ' ');
    }
    else
    {
      left += "\n" + std::string(28, ' ');
    }
    text << left << option.help;
    if (option.defaultValue)
    {
      text << " (default: " << *option.defaultValue << ")";
    }
    text << '\n';
  }
  text << "  --help                    show this help\n";
  return text.str();
}

} // namespace unetpp

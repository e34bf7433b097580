#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace unetpp
{

/** Raised for invalid command-line usage; the program prints the message and the command's usage. */
class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/**
 * Parser for one subcommand's options, `--name value` or `--name=value` and value-less flags.
 * Options are declared first so that unknown options are rejected and --help lists them.
 */
class CommandLine
{
public:
  CommandLine(std::string command, std::string summary);

  void addOption(const std::string & name, const std::string & valueName, const std::string & help,
                 std::optional<std::string> defaultValue = std::nullopt);
  void addFlag(const std::string & name, const std::string & help);

  /** Parses the arguments after the subcommand name; throws UsageError on unknown or incomplete options. */
  void parse(const std::vector<std::string> & arguments);

  bool helpRequested() const { return m_HelpRequested; }
  bool has(const std::string & name) const;
  bool flag(const std::string & name) const;

  /** The option's value, its default, or a UsageError when it is required and missing. */
  std::string value(const std::string & name) const;
  std::optional<std::string> optionalValue(const std::string & name) const;
  int integer(const std::string & name) const;
  double number(const std::string & name) const;

  std::string usage() const;

private:
  struct Option
  {
    std::string valueName; ///< empty for a flag
    std::string help;
    std::optional<std::string> defaultValue;
  };

  const Option & declared(const std::string & name) const;

  std::string m_Command;
  std::string m_Summary;
  std::vector<std::string> m_Order;
  std::map<std::string, Option> m_Options;
  std::map<std::string, std::string> m_Values;
  bool m_HelpRequested = false;
};

/** Splits "a,b,c" into its non-empty items, as list options such as --levels take them. */
std::vector<std::string> splitList(const std::string & text);

} // namespace unetpp

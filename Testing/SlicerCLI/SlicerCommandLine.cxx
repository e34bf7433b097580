#include "SlicerCommandLine.h"

#include <algorithm>
#include <regex>
#include <set>
#include <stdexcept>

namespace unetpp::testing
{

namespace
{

const std::set<std::string> ParameterTags{ "integer",
                                           "integer-vector",
                                           "boolean",
                                           "boolean-vector",
                                           "float",
                                           "float-vector",
                                           "double",
                                           "double-vector",
                                           "string",
                                           "string-vector",
                                           "point",
                                           "pointfile",
                                           "point-vector",
                                           "region",
                                           "region-vector",
                                           "string-enumeration",
                                           "integer-enumeration",
                                           "float-enumeration",
                                           "double-enumeration",
                                           "file",
                                           "directory",
                                           "transform",
                                           "image",
                                           "geometry",
                                           "table",
                                           "measurement" };

/** Parameters that Slicer passes as files written from (or read back into) scene nodes. */
const std::set<std::string> NodeTags{ "image", "geometry", "transform", "table", "measurement" };

/** Parameters that Slicer passes only when their value is not empty. */
const std::set<std::string> OptionalValueTags{ "file",          "directory",    "string",         "integer-vector",
                                               "float-vector", "double-vector", "string-vector" };

/** Text of the first <tag>...</tag> inside `xml`, without a CDATA wrapper, or an empty string. */
std::string
childText(const std::string & xml, const std::string & tag)
{
  const std::regex element("<" + tag + "(?:\\s[^>]*)?>([\\s\\S]*?)</" + tag + ">");
  std::smatch match;
  if (!std::regex_search(xml, match, element))
  {
    return {};
  }
  std::string text = match[1].str();
  const std::regex cdata("^\\s*<!\\[CDATA\\[([\\s\\S]*)\\]\\]>\\s*$");
  std::smatch cdataMatch;
  if (std::regex_match(text, cdataMatch, cdata))
  {
    return cdataMatch[1].str();
  }
  return text;
}

std::string
attribute(const std::string & attributes, const std::string & name)
{
  const std::regex pattern(name + "\\s*=\\s*\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(attributes, match, pattern) ? match[1].str() : std::string();
}

ModuleParameter
readParameter(const std::string & tag, const std::string & attributes, const std::string & body)
{
  ModuleParameter parameter;
  parameter.tag = tag;
  parameter.type = attribute(attributes, "type");
  parameter.name = childText(body, "name");
  parameter.flag = childText(body, "flag");
  parameter.longFlag = childText(body, "longflag");
  parameter.channel = childText(body, "channel");
  parameter.defaultValue = childText(body, "default");
  const std::string index = childText(body, "index");
  if (!index.empty())
  {
    parameter.index = std::stoi(index);
  }

  const std::regex element("<element>([^<]*)</element>");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), element); it != std::sregex_iterator(); ++it)
  {
    parameter.elements.push_back((*it)[1].str());
  }
  return parameter;
}

bool
isReturnParameter(const ModuleParameter & parameter)
{
  return parameter.channel == "output" && parameter.flag.empty() && parameter.longFlag.empty() &&
         !parameter.index && NodeTags.count(parameter.tag) == 0 && parameter.tag != "file";
}

std::string
valueOf(const ModuleParameter & parameter, const std::map<std::string, std::string> & values)
{
  const auto value = values.find(parameter.name);
  return value == values.end() ? parameter.defaultValue : value->second;
}

} // namespace

std::vector<ModuleParameter>
readModuleParameters(const std::string & descriptionXml)
{
  std::vector<ModuleParameter> parameters;
  const std::regex group("<parameters(?:\\s[^>]*)?>([\\s\\S]*?)</parameters>");
  const std::regex child("<([a-z-]+)((?:\\s[^>]*)?)>([\\s\\S]*?)</\\1>");
  for (auto g = std::sregex_iterator(descriptionXml.begin(), descriptionXml.end(), group); g != std::sregex_iterator();
       ++g)
  {
    const std::string body = (*g)[1].str();
    for (auto c = std::sregex_iterator(body.begin(), body.end(), child); c != std::sregex_iterator(); ++c)
    {
      const std::string tag = (*c)[1].str();
      if (ParameterTags.count(tag) != 0)
      {
        parameters.push_back(readParameter(tag, (*c)[2].str(), (*c)[3].str()));
      }
    }
  }
  return parameters;
}

const ModuleParameter &
findParameter(const std::vector<ModuleParameter> & parameters, const std::string & name)
{
  const auto found =
    std::find_if(parameters.begin(), parameters.end(), [&name](const ModuleParameter & p) { return p.name == name; });
  if (found == parameters.end())
  {
    throw std::out_of_range("the module description has no parameter named " + name);
  }
  return *found;
}

std::vector<std::string>
slicerCommandLine(const std::vector<ModuleParameter> & parameters, const std::map<std::string, std::string> & values,
                  const std::string & returnParameterFile)
{
  std::vector<std::string> arguments;
  if (std::any_of(parameters.begin(), parameters.end(), isReturnParameter))
  {
    arguments.push_back("--returnparameterfile");
    arguments.push_back(returnParameterFile);
  }

  for (const auto & parameter : parameters)
  {
    if (parameter.longFlag.empty() && parameter.flag.empty())
    {
      continue;
    }
    const std::string flag = parameter.longFlag.empty() ? "-" + parameter.flag : "--" + parameter.longFlag;
    const std::string value = valueOf(parameter, values);
    if (parameter.tag == "boolean")
    {
      if (value == "true")
      {
        arguments.push_back(flag);
      }
      continue;
    }
    const bool passedOnlyWhenSet = NodeTags.count(parameter.tag) != 0 || OptionalValueTags.count(parameter.tag) != 0;
    if (passedOnlyWhenSet && value.empty())
    {
      continue;
    }
    arguments.push_back(flag);
    arguments.push_back(value);
  }

  std::map<int, const ModuleParameter *> indexParameters;
  for (const auto & parameter : parameters)
  {
    if (parameter.index)
    {
      indexParameters[*parameter.index] = &parameter;
    }
  }
  for (const auto & [index, parameter] : indexParameters)
  {
    const std::string value = valueOf(*parameter, values);
    const bool needsValue = NodeTags.count(parameter->tag) != 0 || OptionalValueTags.count(parameter->tag) != 0;
    if (needsValue && value.empty())
    {
      throw std::invalid_argument("index parameter " + parameter->name + " (index " + std::to_string(index) +
                                  ") has no value, and Slicer does not run a module without it");
    }
    arguments.push_back(value);
  }
  return arguments;
}

} // namespace unetpp::testing

#include "CsvField.h"

namespace unetpp
{

std::string
csvField(const std::string & text)
{
  if (text.find_first_of(",\"\r\n") == std::string::npos)
  {
    return text;
  }
  std::string quoted = "\"";
  for (const char character : text)
  {
    quoted += character;
    if (character == '"')
    {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

} // namespace unetpp

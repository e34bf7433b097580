#include "ReturnParameters.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace unetpp::slicer
{

void
writeReturnParameters(const std::string & path, const std::vector<std::pair<std::string, std::string>> & parameters)
{
  std::ofstream file(path);
  for (const auto & [name, value] : parameters)
  {
    file << name << " = " << value << '\n';
  }
  file.close();
  if (!file)
  {
    throw std::runtime_error("cannot write the return parameter file " + path +
                             ": check that its folder exists and is writable");
  }
}

std::string
joinStringVector(const std::vector<std::string> & elements)
{
  std::string joined;
  for (std::size_t i = 0; i < elements.size(); ++i)
  {
    std::string element = elements[i];
    std::replace(element.begin(), element.end(), ',', ' ');
    std::replace(element.begin(), element.end(), '\n', ' ');
    joined += (i == 0 ? "" : ",") + element;
  }
  return joined;
}

} // namespace unetpp::slicer

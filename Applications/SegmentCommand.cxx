#include "Commands.h"

#include <iostream>

namespace unetpp
{

int
runSegmentCommand(const std::vector<std::string> &)
{
  std::cerr << "segment is not built yet\n";
  return 1;
}

int
runInfoCommand(const std::vector<std::string> &)
{
  return 1;
}

} // namespace unetpp

#include "unetpp/NetworkConfig.h"

#include <stdexcept>

namespace unetpp
{

std::string
toString(Architecture architecture)
{
  return architecture == Architecture::UNet ? "unet" : "unetplusplus";
}

std::string
toString(NormalizationLayer normalization)
{
  switch (normalization)
  {
    case NormalizationLayer::Batch:
      return "batch";
    case NormalizationLayer::Instance:
      return "instance";
    case NormalizationLayer::None:
      break;
  }
  return "none";
}

std::string
toString(InferenceMode mode)
{
  return mode == InferenceMode::Fast ? "fast" : "accurate";
}

Architecture
architectureFromString(const std::string & text)
{
  if (text == "unet")
  {
    return Architecture::UNet;
  }
  if (text == "unetplusplus" || text == "unet++")
  {
    return Architecture::UNetPlusPlus;
  }
  throw std::invalid_argument("unknown architecture '" + text + "': expected unet or unetplusplus");
}

NormalizationLayer
normalizationFromString(const std::string & text)
{
  if (text == "none")
  {
    return NormalizationLayer::None;
  }
  if (text == "batch")
  {
    return NormalizationLayer::Batch;
  }
  if (text == "instance")
  {
    return NormalizationLayer::Instance;
  }
  throw std::invalid_argument("unknown normalization '" + text + "': expected none, batch or instance");
}

InferenceMode
inferenceModeFromString(const std::string & text)
{
  if (text == "accurate")
  {
    return InferenceMode::Accurate;
  }
  if (text == "fast")
  {
    return InferenceMode::Fast;
  }
  throw std::invalid_argument("unknown mode '" + text + "': expected accurate or fast");
}

void
NetworkConfig::validate() const
{
  if (inputChannels < 1)
  {
    throw std::invalid_argument("input channels must be at least 1, got " + std::to_string(inputChannels));
  }
  if (outputChannels < 1)
  {
    throw std::invalid_argument("output channels must be at least 1, got " + std::to_string(outputChannels));
  }
  if (filters.size() < 2 || filters.size() > 7)
  {
    throw std::invalid_argument("filters must list 2 to 7 levels (depth 1 to 6), got " +
                                std::to_string(filters.size()));
  }
  for (const int64_t width : filters)
  {
    if (width < 1)
    {
      throw std::invalid_argument("every filter width must be at least 1, got " + std::to_string(width));
    }
  }
}

} // namespace unetpp

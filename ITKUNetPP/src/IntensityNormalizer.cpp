#include "unetpp/IntensityNormalizer.h"

#include <stdexcept>

namespace unetpp
{

namespace
{

/** Value below which `percentile` percent of the samples lie, by linear interpolation between order statistics. */
double
percentileOf(const torch::Tensor & sortedValues, double percentile)
{
  const int64_t count = sortedValues.numel();
  const double position = percentile / 100.0 * static_cast<double>(count - 1);
  const auto lower = static_cast<int64_t>(position);
  const int64_t upper = std::min(lower + 1, count - 1);
  const double fraction = position - static_cast<double>(lower);
  const double lowerValue = sortedValues[lower].item<double>();
  const double upperValue = sortedValues[upper].item<double>();
  return lowerValue + fraction * (upperValue - lowerValue);
}

// A constant image has no spread; dividing by this floor keeps it finite (all zeros after centring).
constexpr double MinimumStandardDeviation = 1e-8;

} // namespace

torch::Tensor
normalizeIntensities(const torch::Tensor & image, const IntensityNormalization & normalization)
{
  if (image.dim() < 2)
  {
    throw std::invalid_argument("image tensor must be [channels, ...], got " + c10::str(image.sizes()));
  }
  torch::Tensor result = image.to(torch::kFloat32).clone();
  if (!torch::isfinite(result).all().item<bool>())
  {
    throw std::invalid_argument("the image contains NaN or infinite voxel values; replace or mask them before segmenting");
  }

  if (normalization.method == "scale")
  {
    return result.mul_(normalization.scale).add_(normalization.offset);
  }
  if (normalization.method != "zscore")
  {
    throw std::invalid_argument("unknown intensity normalization '" + normalization.method + "'");
  }

  for (int64_t channel = 0; channel < result.size(0); ++channel)
  {
    torch::Tensor values = result[channel];
    const bool clip = normalization.lowerPercentile > 0.0 || normalization.upperPercentile < 100.0;
    if (clip)
    {
      const torch::Tensor sorted = std::get<0>(values.flatten().sort());
      const double low = percentileOf(sorted, normalization.lowerPercentile);
      const double high = percentileOf(sorted, normalization.upperPercentile);
      values.clamp_(low, high);
    }
    const double mean = values.mean().item<double>();
    const double deviation = std::max(values.std(false).item<double>(), MinimumStandardDeviation);
    values.sub_(mean).div_(deviation);
  }
  return result;
}

} // namespace unetpp

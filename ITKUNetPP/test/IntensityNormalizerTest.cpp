#include "unetpp/IntensityNormalizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

using unetpp::IntensityNormalization;
using unetpp::normalizeIntensities;

namespace
{

IntensityNormalization
zscore(double lowerPercentile = 0.0, double upperPercentile = 100.0)
{
  IntensityNormalization normalization;
  normalization.method = "zscore";
  normalization.lowerPercentile = lowerPercentile;
  normalization.upperPercentile = upperPercentile;
  return normalization;
}

/** Z-score of plain numbers with the population standard deviation, written independently of the library. */
std::vector<double>
referenceZscore(const std::vector<double> & values)
{
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  double squares = 0.0;
  for (const double value : values)
  {
    squares += (value - mean) * (value - mean);
  }
  const double deviation = std::sqrt(squares / static_cast<double>(values.size()));
  std::vector<double> result;
  for (const double value : values)
  {
    result.push_back((value - mean) / deviation);
  }
  return result;
}

} // namespace

TEST(IntensityNormalizer, ZscoreGivesZeroMeanUnitStdPerChannel)
{
  // Two channels on very different scales, as CT in Hounsfield units next to a [0, 1] map.
  torch::manual_seed(4);
  const torch::Tensor image =
    torch::stack({ torch::randn({ 3, 20, 30 }) * 400.0 - 1000.0, torch::rand({ 3, 20, 30 }) * 0.01 });
  const torch::Tensor normalized = normalizeIntensities(image, zscore());

  ASSERT_EQ(normalized.sizes(), image.sizes());
  EXPECT_EQ(normalized.scalar_type(), torch::kFloat32);
  for (int64_t channel = 0; channel < 2; ++channel)
  {
    SCOPED_TRACE("channel " + std::to_string(channel));
    const torch::Tensor values = normalized[channel].to(torch::kFloat64);
    EXPECT_NEAR(values.mean().item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(values.std(false).item<double>(), 1.0, 1e-5);
  }
}

TEST(IntensityNormalizer, ZscoreMatchesHandComputation)
{
  // Values 1, 2, 3, 4: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
  const torch::Tensor image = torch::tensor({ 1.0F, 2.0F, 3.0F, 4.0F }).reshape({ 1, 2, 2 });
  const torch::Tensor normalized = normalizeIntensities(image, zscore()).flatten();
  const double deviation = std::sqrt(1.25);
  const std::vector<double> expected{ -1.5 / deviation, -0.5 / deviation, 0.5 / deviation, 1.5 / deviation };
  for (size_t index = 0; index < expected.size(); ++index)
  {
    EXPECT_NEAR(normalized[static_cast<int64_t>(index)].item<double>(), expected[index], 1e-6) << "value " << index;
  }
}

TEST(IntensityNormalizer, PercentilesClipBeforeZscore)
{
  // The values 0..100 in reverse order (101 samples): the 10th percentile is the value at position
  // 0.1 * 100 = 10, the 90th at position 90, so the values are clipped to [10, 90] before the z-score.
  const torch::Tensor image = torch::arange(100, -1, -1, torch::kFloat32).reshape({ 1, 1, 101 });
  const torch::Tensor normalized = normalizeIntensities(image, zscore(10.0, 90.0)).flatten();

  std::vector<double> clipped;
  for (int value = 100; value >= 0; --value)
  {
    clipped.push_back(std::clamp(static_cast<double>(value), 10.0, 90.0));
  }
  const std::vector<double> expected = referenceZscore(clipped);
  for (size_t index = 0; index < expected.size(); ++index)
  {
    EXPECT_NEAR(normalized[static_cast<int64_t>(index)].item<double>(), expected[index], 1e-5) << "sample " << index;
  }
}

TEST(IntensityNormalizer, PercentileInterpolatesBetweenSamples)
{
  // Samples 0, 10, 20, 30, 40: the 12.5th percentile lies at position 0.125 * 4 = 0.5, halfway between
  // 0 and 10, so the lowest value is clipped to 5; the 100th percentile (40) leaves the top alone. After
  // clipping the samples are 5, 10, 20, 30, 40.
  const torch::Tensor image = torch::tensor({ 30.0F, 0.0F, 40.0F, 10.0F, 20.0F }).reshape({ 1, 5 });
  const torch::Tensor normalized = normalizeIntensities(image, zscore(12.5, 100.0)).flatten();
  const std::vector<double> expected = referenceZscore({ 30.0, 5.0, 40.0, 10.0, 20.0 });
  for (size_t index = 0; index < expected.size(); ++index)
  {
    EXPECT_NEAR(normalized[static_cast<int64_t>(index)].item<double>(), expected[index], 1e-5) << "sample " << index;
  }
}

TEST(IntensityNormalizer, ScaleAppliesScaleAndOffset)
{
  // An 8-bit image mapped to [-0.5, 0.5]: v / 255 - 0.5.
  IntensityNormalization normalization;
  normalization.method = "scale";
  normalization.scale = 1.0 / 255.0;
  normalization.offset = -0.5;
  const torch::Tensor image = torch::tensor({ 0, 51, 255 }, torch::kUInt8).reshape({ 1, 1, 3 });
  const torch::Tensor normalized = normalizeIntensities(image, normalization).flatten();

  EXPECT_EQ(normalized.scalar_type(), torch::kFloat32);
  EXPECT_NEAR(normalized[0].item<double>(), -0.5, 1e-6);
  EXPECT_NEAR(normalized[1].item<double>(), -0.3, 1e-6);
  EXPECT_NEAR(normalized[2].item<double>(), 0.5, 1e-6);
}

TEST(IntensityNormalizer, ConstantImageStaysFinite)
{
  // A constant channel has no spread: after centring every value is 0, whatever the percentiles.
  const torch::Tensor image = torch::stack({ torch::full({ 4, 6 }, 700.0), torch::arange(24.0).reshape({ 4, 6 }) });
  for (const auto & normalization : { zscore(), zscore(1.0, 99.0) })
  {
    const torch::Tensor normalized = normalizeIntensities(image, normalization);
    EXPECT_TRUE(torch::isfinite(normalized).all().item<bool>());
    EXPECT_TRUE(normalized[0].eq(0).all().item<bool>());
    EXPECT_NEAR(normalized[1].to(torch::kFloat64).std(false).item<double>(), 1.0, 1e-5)
      << "the other channel is normalised on its own";
  }
}

TEST(IntensityNormalizer, InputIsNotModified)
{
  const torch::Tensor image = torch::arange(12.0, torch::kFloat32).reshape({ 1, 3, 4 });
  const torch::Tensor copy = image.clone();
  normalizeIntensities(image, zscore(5.0, 95.0));
  EXPECT_TRUE(torch::equal(image, copy));
}

TEST(IntensityNormalizer, NonFiniteValuesAreRejected)
{
  for (const float bad : { std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity() })
  {
    torch::Tensor image = torch::zeros({ 1, 4, 4 });
    image[0][2][3] = bad;
    EXPECT_THROW(normalizeIntensities(image, zscore()), std::invalid_argument) << bad;
  }
}

TEST(IntensityNormalizer, UnknownMethodIsRejected)
{
  IntensityNormalization normalization;
  normalization.method = "minmax";
  EXPECT_THROW(normalizeIntensities(torch::zeros({ 1, 4, 4 }), normalization), std::invalid_argument);
}

#include "unetpp/SliceTiler.h"

#include <cmath>
#include <stdexcept>

namespace unetpp
{

namespace
{

// Floor of the blending weight, so that pixels seen only by tile borders still get a defined average.
constexpr double MinimumBlendingWeight = 1e-3;

torch::Tensor
gaussianProfile(int64_t size)
{
  const double sigma = static_cast<double>(size) / 8.0;
  const double centre = (static_cast<double>(size) - 1.0) / 2.0;
  const torch::Tensor positions = torch::arange(size, torch::kFloat64) - centre;
  return torch::exp(-(positions * positions) / (2.0 * sigma * sigma));
}

} // namespace

int64_t
tensorDimensionOfAxis(int axis)
{
  if (axis < 0 || axis > 2)
  {
    throw std::invalid_argument("slice axis must be 0, 1 or 2, got " + std::to_string(axis));
  }
  return 3 - axis;
}

int64_t
sliceCount(const torch::Tensor & volume, int axis)
{
  return volume.size(tensorDimensionOfAxis(axis));
}

torch::Tensor
sliceOf(const torch::Tensor & volume, int axis, int64_t index)
{
  if (volume.dim() != 4)
  {
    throw std::invalid_argument("volume tensor must be [channels, z, y, x], got " + c10::str(volume.sizes()));
  }
  return volume.select(tensorDimensionOfAxis(axis), index);
}

SliceTiler::SliceTiler(std::array<int64_t, 2> patchSize, double overlap)
  : m_PatchSize(patchSize)
  , m_Overlap(overlap)
{
  if (patchSize[0] < 1 || patchSize[1] < 1)
  {
    throw std::invalid_argument("patch size must be positive");
  }
  if (!(overlap >= 0.0 && overlap < 1.0))
  {
    throw std::invalid_argument("tile overlap must be at least 0 and below 1, got " + std::to_string(overlap));
  }
  const torch::Tensor weights = torch::outer(gaussianProfile(patchSize[0]), gaussianProfile(patchSize[1]));
  m_Weights = (weights / weights.max()).clamp_min(MinimumBlendingWeight).to(torch::kFloat32);
}

std::array<int64_t, 2>
SliceTiler::paddedSize(int64_t rows, int64_t columns) const
{
  return { std::max(rows, m_PatchSize[0]), std::max(columns, m_PatchSize[1]) };
}

std::array<int64_t, 2>
SliceTiler::leadingPadding(int64_t rows, int64_t columns) const
{
  const auto padded = paddedSize(rows, columns);
  return { (padded[0] - rows) / 2, (padded[1] - columns) / 2 };
}

torch::Tensor
SliceTiler::pad(const torch::Tensor & slice) const
{
  const int64_t rows = slice.size(-2);
  const int64_t columns = slice.size(-1);
  const auto padded = paddedSize(rows, columns);
  if (padded[0] == rows && padded[1] == columns)
  {
    return slice;
  }
  const auto leading = leadingPadding(rows, columns);
  return torch::constant_pad_nd(
    slice, { leading[1], padded[1] - columns - leading[1], leading[0], padded[0] - rows - leading[0] }, 0.0);
}

torch::Tensor
SliceTiler::crop(const torch::Tensor & padded, int64_t rows, int64_t columns) const
{
  const auto leading = leadingPadding(rows, columns);
  return padded.narrow(-2, leading[0], rows).narrow(-1, leading[1], columns);
}

std::vector<int64_t>
SliceTiler::originsAlong(int64_t padded, int64_t patch) const
{
  if (padded <= patch)
  {
    return { 0 };
  }
  const auto step = std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(patch) * (1.0 - m_Overlap))));
  std::vector<int64_t> origins;
  for (int64_t origin = 0; origin + patch < padded; origin += step)
  {
    origins.push_back(origin);
  }
  origins.push_back(padded - patch);
  return origins;
}

std::vector<TileOrigin>
SliceTiler::tileOrigins(std::array<int64_t, 2> padded) const
{
  std::vector<TileOrigin> tiles;
  for (const int64_t row : originsAlong(padded[0], m_PatchSize[0]))
  {
    for (const int64_t column : originsAlong(padded[1], m_PatchSize[1]))
    {
      tiles.push_back({ row, column });
    }
  }
  return tiles;
}

} // namespace unetpp

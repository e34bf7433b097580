#include "unetpp/Orientation.h"

#include <cmath>

namespace unetpp
{

namespace
{

// Tensor dimension of ITK index axis a in a [channels, z, y, x] tensor.
int64_t
dimensionOf(int axis)
{
  return 3 - axis;
}

double
columnDot(const DirectionMatrix & first, int firstColumn, const DirectionMatrix & second, int secondColumn)
{
  double sum = 0.0;
  for (int row = 0; row < 3; ++row)
  {
    sum += first[static_cast<size_t>(row * 3 + firstColumn)] * second[static_cast<size_t>(row * 3 + secondColumn)];
  }
  return sum;
}

} // namespace

bool
AxisMapping::isIdentity() const
{
  return sourceAxis == std::array<int, 3>{ 0, 1, 2 } && flipped == std::array<bool, 3>{ false, false, false };
}

AxisMapping
axisMappingBetween(const DirectionMatrix & input, const DirectionMatrix & training)
{
  // Greedy assignment by the largest |cosine| first: for axis-aligned images every cosine is 0 or +-1 and
  // the result is exact; for oblique images each training axis gets the input axis closest to it.
  AxisMapping mapping;
  std::array<bool, 3> inputUsed{ false, false, false };
  std::array<bool, 3> trainingUsed{ false, false, false };
  for (int assignment = 0; assignment < 3; ++assignment)
  {
    double best = -1.0;
    int bestInput = 0;
    int bestTraining = 0;
    for (int trainingAxis = 0; trainingAxis < 3; ++trainingAxis)
    {
      for (int inputAxis = 0; inputAxis < 3; ++inputAxis)
      {
        const double cosine = std::abs(columnDot(input, inputAxis, training, trainingAxis));
        if (!trainingUsed[static_cast<size_t>(trainingAxis)] && !inputUsed[static_cast<size_t>(inputAxis)] && cosine > best)
        {
          best = cosine;
          bestInput = inputAxis;
          bestTraining = trainingAxis;
        }
      }
    }
    inputUsed[static_cast<size_t>(bestInput)] = true;
    trainingUsed[static_cast<size_t>(bestTraining)] = true;
    mapping.sourceAxis[static_cast<size_t>(bestTraining)] = bestInput;
    mapping.flipped[static_cast<size_t>(bestTraining)] = columnDot(input, bestInput, training, bestTraining) < 0.0;
  }
  return mapping;
}

torch::Tensor
toTrainingOrientation(const torch::Tensor & volume, const AxisMapping & mapping)
{
  if (mapping.isIdentity())
  {
    return volume;
  }
  // New tensor dimension of training axis j takes the input's dimension of axis sourceAxis[j].
  std::vector<int64_t> order(4, 0);
  for (int axis = 0; axis < 3; ++axis)
  {
    order[static_cast<size_t>(dimensionOf(axis))] = dimensionOf(mapping.sourceAxis[static_cast<size_t>(axis)]);
  }
  torch::Tensor result = volume.permute(order);
  std::vector<int64_t> flips;
  for (int axis = 0; axis < 3; ++axis)
  {
    if (mapping.flipped[static_cast<size_t>(axis)])
    {
      flips.push_back(dimensionOf(axis));
    }
  }
  return (flips.empty() ? result : result.flip(flips)).contiguous();
}

torch::Tensor
fromTrainingOrientation(const torch::Tensor & volume, const AxisMapping & mapping)
{
  if (mapping.isIdentity())
  {
    return volume;
  }
  std::vector<int64_t> flips;
  for (int axis = 0; axis < 3; ++axis)
  {
    if (mapping.flipped[static_cast<size_t>(axis)])
    {
      flips.push_back(dimensionOf(axis));
    }
  }
  const torch::Tensor unflipped = flips.empty() ? volume : volume.flip(flips);
  std::vector<int64_t> order(4, 0);
  for (int axis = 0; axis < 3; ++axis)
  {
    order[static_cast<size_t>(dimensionOf(mapping.sourceAxis[static_cast<size_t>(axis)]))] = dimensionOf(axis);
  }
  return unflipped.permute(order).contiguous();
}

} // namespace unetpp

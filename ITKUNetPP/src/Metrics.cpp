#include "unetpp/Metrics.h"

#include <stdexcept>

namespace unetpp
{

OverlapCounts &
OverlapCounts::operator+=(const OverlapCounts & other)
{
  truePositives += other.truePositives;
  falsePositives += other.falsePositives;
  falseNegatives += other.falseNegatives;
  return *this;
}

OverlapCounts
countOverlap(const torch::Tensor & prediction, const torch::Tensor & truth, int64_t label)
{
  if (prediction.sizes() != truth.sizes())
  {
    throw std::invalid_argument("prediction " + c10::str(prediction.sizes()) + " and ground truth " +
                                c10::str(truth.sizes()) + " differ in size");
  }
  const torch::Tensor predicted = prediction.eq(label);
  const torch::Tensor expected = truth.eq(label);
  OverlapCounts counts;
  counts.truePositives = (predicted & expected).sum().item<int64_t>();
  counts.falsePositives = (predicted & expected.logical_not()).sum().item<int64_t>();
  counts.falseNegatives = (predicted.logical_not() & expected).sum().item<int64_t>();
  return counts;
}

double
diceScore(const OverlapCounts & counts)
{
  const int64_t denominator = 2 * counts.truePositives + counts.falsePositives + counts.falseNegatives;
  return denominator == 0 ? 1.0 : 2.0 * static_cast<double>(counts.truePositives) / static_cast<double>(denominator);
}

double
iouScore(const OverlapCounts & counts)
{
  const int64_t denominator = counts.truePositives + counts.falsePositives + counts.falseNegatives;
  return denominator == 0 ? 1.0 : static_cast<double>(counts.truePositives) / static_cast<double>(denominator);
}

} // namespace unetpp

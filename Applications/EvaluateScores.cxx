#include "EvaluateScores.h"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace unetpp
{

CaseOverlap
countCaseOverlap(const std::string & name, const torch::Tensor & prediction, const torch::Tensor & truth,
                 const std::vector<int> & labelValues)
{
  CaseOverlap overlap;
  overlap.name = name;
  for (const int value : labelValues)
  {
    overlap.counts[value] = countOverlap(prediction, truth, value);
  }
  return overlap;
}

ClassScore
scoreClass(const CaseOverlap & overlap, int labelValue)
{
  ClassScore score;
  score.labelValue = labelValue;
  const auto found = overlap.counts.find(labelValue);
  if (found != overlap.counts.end())
  {
    score.counts = found->second;
  }
  score.dice = diceScore(score.counts);
  score.iou = iouScore(score.counts);
  score.emptyInBoth = score.counts.truePositives + score.counts.falsePositives + score.counts.falseNegatives == 0;
  return score;
}

namespace
{

double
mean(const std::vector<double> & values)
{
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double
populationStandardDeviation(const std::vector<double> & values)
{
  if (values.empty())
  {
    return 0.0;
  }
  const double average = mean(values);
  double sum = 0.0;
  for (const double value : values)
  {
    sum += (value - average) * (value - average);
  }
  return std::sqrt(sum / static_cast<double>(values.size()));
}

} // namespace

ClassSummary
summarizeClass(const std::vector<CaseOverlap> & cases, int labelValue)
{
  std::vector<double> dice;
  std::vector<double> iou;
  ClassSummary summary;
  summary.labelValue = labelValue;
  for (const auto & overlap : cases)
  {
    const ClassScore score = scoreClass(overlap, labelValue);
    dice.push_back(score.dice);
    iou.push_back(score.iou);
    summary.emptyInBothCases += score.emptyInBoth ? 1 : 0;
  }
  summary.cases = static_cast<int64_t>(cases.size());
  summary.meanDice = mean(dice);
  summary.standardDeviationDice = populationStandardDeviation(dice);
  summary.meanIou = mean(iou);
  summary.standardDeviationIou = populationStandardDeviation(iou);
  return summary;
}

void
PaperMeanIou::add(const torch::Tensor & foregroundProbability, const torch::Tensor & truthForeground)
{
  if (foregroundProbability.sizes() != truthForeground.sizes())
  {
    throw std::invalid_argument("foreground probabilities " + c10::str(foregroundProbability.sizes()) +
                                " and ground truth " + c10::str(truthForeground.sizes()) + " differ in size");
  }
  const torch::Tensor truth = truthForeground.to(torch::kBool);
  const torch::Tensor background = truth.logical_not();
  const torch::Tensor probability = foregroundProbability.to(torch::kFloat64);
  for (size_t index = 0; index < ThresholdCount; ++index)
  {
    const torch::Tensor predicted = probability.gt(threshold(index));
    const torch::Tensor predictedBackground = predicted.logical_not();
    Confusion & confusion = m_Confusions[index];
    confusion.foreground.truePositives += (predicted & truth).sum().item<int64_t>();
    confusion.foreground.falsePositives += (predicted & background).sum().item<int64_t>();
    confusion.foreground.falseNegatives += (predictedBackground & truth).sum().item<int64_t>();
    confusion.trueNegatives += (predictedBackground & background).sum().item<int64_t>();
  }
  ++m_Images;
}

std::array<double, PaperMeanIou::ThresholdCount>
PaperMeanIou::meanIouPerThreshold() const
{
  std::array<double, ThresholdCount> result{};
  for (size_t index = 0; index < ThresholdCount; ++index)
  {
    const Confusion & confusion = m_Confusions[index];

    // Background is the other class: its false positives are the foreground's false negatives and vice versa.
    OverlapCounts background;
    background.truePositives = confusion.trueNegatives;
    background.falsePositives = confusion.foreground.falseNegatives;
    background.falseNegatives = confusion.foreground.falsePositives;
    result[index] = (iouScore(confusion.foreground) + iouScore(background)) / 2.0;
  }
  return result;
}

double
PaperMeanIou::value() const
{
  const auto perThreshold = meanIouPerThreshold();
  return std::accumulate(perThreshold.begin(), perThreshold.end(), 0.0) / static_cast<double>(ThresholdCount);
}

} // namespace unetpp

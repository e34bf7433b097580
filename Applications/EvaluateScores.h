#pragma once

#include "unetpp/Metrics.h"

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace unetpp
{

/** Overlap counts of one evaluated case, by label value. A label value that is not listed is absent from both. */
struct CaseOverlap
{
  std::string name;
  std::map<int, OverlapCounts> counts;
};

/** Dice and IoU of one foreground class in one case. */
struct ClassScore
{
  int labelValue = 0;
  OverlapCounts counts;
  double dice = 0.0;
  double iou = 0.0;
  bool emptyInBoth = false; ///< absent from prediction and truth, so both scores are 1 (diceScore's convention)
};

/** Counts every label value in `labelValues` in two label tensors of the same shape. */
CaseOverlap countCaseOverlap(const std::string & name, const torch::Tensor & prediction, const torch::Tensor & truth,
                             const std::vector<int> & labelValues);

/** Scores of one label value in a case, with the core's convention for empty masks. */
ClassScore scoreClass(const CaseOverlap & overlap, int labelValue);

/** Mean and population standard deviation (divided by n) of one class's scores over the evaluated cases. */
struct ClassSummary
{
  int labelValue = 0;
  int64_t cases = 0;
  int64_t emptyInBothCases = 0;
  double meanDice = 0.0;
  double standardDeviationDice = 0.0;
  double meanIou = 0.0;
  double standardDeviationIou = 0.0;
};

ClassSummary summarizeClass(const std::vector<CaseOverlap> & cases, int labelValue);

/**
 * IoU as the UNet++ paper's figures use it, for binary segmentation: at each threshold t = 0.50, 0.55, ..., 0.95
 * the foreground probability is binarised (foreground where p > t), a two-class confusion matrix is summed over
 * every evaluated image, the IoU of background and of foreground is computed from the summed counts and the two
 * are averaged; the result is the mean of that two-class mean IoU over the 10 thresholds. A class with an empty
 * union scores 1, as in iouScore.
 */
class PaperMeanIou
{
public:
  static constexpr size_t ThresholdCount = 10;

  static double threshold(size_t index) { return 0.50 + 0.05 * static_cast<double>(index); }

  /** Adds the pixels of one image: foreground probabilities and a boolean (or 0/1) foreground truth of the same shape. */
  void add(const torch::Tensor & foregroundProbability, const torch::Tensor & truthForeground);

  /** Two-class mean IoU at each threshold, from the counts summed so far. */
  std::array<double, ThresholdCount> meanIouPerThreshold() const;

  /** Mean over the thresholds of meanIouPerThreshold(). */
  double value() const;

  int64_t imageCount() const { return m_Images; }

private:
  /** Foreground counts; the background's true positives are the foreground's true negatives. */
  struct Confusion
  {
    OverlapCounts foreground;
    int64_t trueNegatives = 0;
  };

  std::array<Confusion, ThresholdCount> m_Confusions{};
  int64_t m_Images = 0;
};

} // namespace unetpp

#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace unetpp
{

/** Pixel counts of one class in a prediction compared with the ground truth. */
struct OverlapCounts
{
  int64_t truePositives = 0;
  int64_t falsePositives = 0;
  int64_t falseNegatives = 0;

  OverlapCounts & operator+=(const OverlapCounts & other);
};

/** Counts of `label` in two label tensors of the same shape. */
OverlapCounts countOverlap(const torch::Tensor & prediction, const torch::Tensor & truth, int64_t label);

/**
 * Dice = 2 TP / (2 TP + FP + FN). When the class is absent from both prediction and truth the score is 1,
 * because the prediction is right, and when it is absent from only one it is 0.
 */
double diceScore(const OverlapCounts & counts);

/** IoU (Jaccard) = TP / (TP + FP + FN), with the same convention for empty masks as diceScore. */
double iouScore(const OverlapCounts & counts);

} // namespace unetpp

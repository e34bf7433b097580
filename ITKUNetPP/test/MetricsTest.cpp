#include "unetpp/Metrics.h"

#include <gtest/gtest.h>

using unetpp::countOverlap;
using unetpp::diceScore;
using unetpp::iouScore;
using unetpp::OverlapCounts;

namespace
{

// Prediction and truth, 3 x 4 pixels:
//   prediction  1 1 0 0     truth  1 0 0 0
//               0 2 2 0            1 2 0 0
//               0 0 0 0            0 0 0 0
// Label 1: TP at (0,0), FP at (0,1), FN at (1,0).  Label 2: TP at (1,1), FP at (1,2).
torch::Tensor
prediction()
{
  return torch::tensor({ 1, 1, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0 }, torch::kInt32).reshape({ 3, 4 });
}

torch::Tensor
truth()
{
  return torch::tensor({ 1, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0 }, torch::kInt32).reshape({ 3, 4 });
}

} // namespace

TEST(Metrics, CountsOnHandMadeMasks)
{
  const OverlapCounts one = countOverlap(prediction(), truth(), 1);
  EXPECT_EQ(one.truePositives, 1);
  EXPECT_EQ(one.falsePositives, 1);
  EXPECT_EQ(one.falseNegatives, 1);

  const OverlapCounts two = countOverlap(prediction(), truth(), 2);
  EXPECT_EQ(two.truePositives, 1);
  EXPECT_EQ(two.falsePositives, 1);
  EXPECT_EQ(two.falseNegatives, 0);

  // Background: 7 pixels are 0 in both (row 2, (0,2), (0,3), (1,3)). The prediction has 0 at (1,0) where
  // the truth has 1, and the truth has 0 at (0,1) and (1,2) where the prediction does not.
  const OverlapCounts background = countOverlap(prediction(), truth(), 0);
  EXPECT_EQ(background.truePositives, 7);
  EXPECT_EQ(background.falsePositives, 1);
  EXPECT_EQ(background.falseNegatives, 2);
}

TEST(Metrics, DiceAndIouOnHandMadeMasks)
{
  // Label 1: Dice = 2 * 1 / (2 * 1 + 1 + 1) = 1/2, IoU = 1 / (1 + 1 + 1) = 1/3.
  const OverlapCounts one = countOverlap(prediction(), truth(), 1);
  EXPECT_DOUBLE_EQ(diceScore(one), 0.5);
  EXPECT_DOUBLE_EQ(iouScore(one), 1.0 / 3.0);

  // Label 2: Dice = 2 / (2 + 1 + 0) = 2/3, IoU = 1 / 2.
  const OverlapCounts two = countOverlap(prediction(), truth(), 2);
  EXPECT_DOUBLE_EQ(diceScore(two), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(iouScore(two), 0.5);

  // The identity IoU = Dice / (2 - Dice) holds for any counts: 0.5 / 1.5 = 1/3, (2/3) / (4/3) = 1/2.
  EXPECT_DOUBLE_EQ(iouScore(one), diceScore(one) / (2.0 - diceScore(one)));
}

TEST(Metrics, BothEmptyScoresOne)
{
  // Label 5 occurs in neither mask: the prediction is right, so Dice and IoU are 1 by convention.
  const OverlapCounts absent = countOverlap(prediction(), truth(), 5);
  EXPECT_EQ(absent.truePositives + absent.falsePositives + absent.falseNegatives, 0);
  EXPECT_DOUBLE_EQ(diceScore(absent), 1.0);
  EXPECT_DOUBLE_EQ(iouScore(absent), 1.0);
}

TEST(Metrics, EmptyOnOneSideScoresZero)
{
  const torch::Tensor empty = torch::zeros({ 3, 4 }, torch::kInt32);
  for (const auto & [predicted, expected] : { std::pair{ prediction(), empty }, std::pair{ empty, truth() } })
  {
    const OverlapCounts counts = countOverlap(predicted, expected, 2);
    EXPECT_DOUBLE_EQ(diceScore(counts), 0.0);
    EXPECT_DOUBLE_EQ(iouScore(counts), 0.0);
  }
}

TEST(Metrics, AccumulatedCountsScoreTheUnion)
{
  // Summing counts over two images scores them as one: label 1 twice gives TP 2, FP 2, FN 2, still
  // Dice 1/2; adding label 2's counts (1, 1, 0) gives TP 3, FP 3, FN 2, Dice 6 / 11.
  OverlapCounts total;
  total += countOverlap(prediction(), truth(), 1);
  total += countOverlap(prediction(), truth(), 1);
  EXPECT_EQ(total.truePositives, 2);
  EXPECT_DOUBLE_EQ(diceScore(total), 0.5);
  total += countOverlap(prediction(), truth(), 2);
  EXPECT_DOUBLE_EQ(diceScore(total), 6.0 / 11.0);
}

TEST(Metrics, SizeMismatchIsRejected)
{
  EXPECT_THROW(countOverlap(prediction(), truth().reshape({ 4, 3 }), 1), std::invalid_argument);
}

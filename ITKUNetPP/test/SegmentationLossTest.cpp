#include "unetpp/SegmentationLoss.h"

#include <gtest/gtest.h>

#include <cmath>

using unetpp::deepSupervisionLoss;
using unetpp::headLoss;

namespace
{

// Logits of this size give probabilities within 2e-9 of 0 or 1 (sigmoid(20) = 1 - 2.06e-9).
constexpr double ConfidentLogit = 20.0;

/** Target [1, 4, 4] with four foreground pixels in the top-left corner (N = 16 pixels, T = 4). */
torch::Tensor
binaryTarget()
{
  torch::Tensor target = torch::zeros({ 1, 4, 4 }, torch::kInt64);
  target[0].narrow(0, 0, 2).narrow(1, 0, 2).fill_(1);
  return target;
}

/** Target [1, 4, 4] with class 1 in 4 pixels, class 2 in 6 pixels and background in the other 6. */
torch::Tensor
threeClassTarget()
{
  torch::Tensor target = torch::zeros({ 1, 4, 4 }, torch::kInt64);
  target[0].narrow(0, 0, 2).narrow(1, 0, 2).fill_(1);
  target[0][3].fill_(2);
  target[0][2].narrow(0, 2, 2).fill_(2);
  return target;
}

/** Logits that put all probability on the target class of each pixel. */
torch::Tensor
perfectLogits(const torch::Tensor & target, int64_t channels)
{
  if (channels == 1)
  {
    return (target.to(torch::kFloat32) * 2.0 - 1.0).unsqueeze(1) * ConfidentLogit;
  }
  return torch::one_hot(target, channels).permute({ 0, 3, 1, 2 }).to(torch::kFloat32) * ConfidentLogit;
}

} // namespace

TEST(SegmentationLoss, OneChannelUniformLogitsMatchHandComputation)
{
  // Zero logits give p = 0.5 everywhere. Binary cross-entropy is ln 2 per pixel. Soft Dice with smoothing 1:
  // intersection = T / 2 = 2, sum of p = N / 2 = 8, sum of target = T = 4, so Dice = (2 * 2 + 1) / (8 + 4 + 1)
  // = 5 / 13. Loss = ln 2 / 2 + 1 - 5 / 13.
  const torch::Tensor logits = torch::zeros({ 1, 1, 4, 4 });
  const double expected = 0.5 * std::log(2.0) + 1.0 - 5.0 / 13.0;
  EXPECT_NEAR(headLoss(logits, binaryTarget()).item<double>(), expected, 1e-6);
}

TEST(SegmentationLoss, MultiChannelUniformLogitsMatchHandComputation)
{
  // Zero logits over three classes give p = 1/3 everywhere. Softmax cross-entropy is ln 3 per pixel.
  // Soft Dice of class c with T_c pixels: (2 * T_c / 3 + 1) / (N / 3 + T_c + 1), N = 16. The Dice term
  // averages the foreground classes 1 (T = 4) and 2 (T = 6); background is left out.
  const torch::Tensor logits = torch::zeros({ 1, 3, 4, 4 });
  const auto dice = [](double count) { return (2.0 * count / 3.0 + 1.0) / (16.0 / 3.0 + count + 1.0); };
  const double expected = std::log(3.0) + 1.0 - (dice(4.0) + dice(6.0)) / 2.0;
  EXPECT_NEAR(headLoss(logits, threeClassTarget()).item<double>(), expected, 1e-6);
}

TEST(SegmentationLoss, PerfectLogitsGiveNearZeroLoss)
{
  // Cross-entropy vanishes with confident correct logits, and soft Dice tends to (2T + 1) / (2T + 1) = 1.
  EXPECT_NEAR(headLoss(perfectLogits(binaryTarget(), 1), binaryTarget()).item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(headLoss(perfectLogits(threeClassTarget(), 3), threeClassTarget()).item<double>(), 0.0, 1e-6);
}

TEST(SegmentationLoss, InvertedLogitsGiveLargeLoss)
{
  // Every pixel confidently wrong: binary cross-entropy is ln(1 + e^20) = 20 per pixel, halved to 10.
  // Soft Dice: intersection ~0, sum of p ~ N - T = 12, T = 4, so Dice = 1 / 17 and the term is 16 / 17.
  const torch::Tensor target = binaryTarget();
  const torch::Tensor inverted = -perfectLogits(target, 1);
  EXPECT_NEAR(headLoss(inverted, target).item<double>(), 10.0 + 16.0 / 17.0, 1e-4);
}

TEST(SegmentationLoss, EmptyTargetWithEmptyPredictionIsNotPenalised)
{
  // No foreground in target or prediction: the smoothing keeps soft Dice at (0 + 1) / (0 + 0 + 1) = 1.
  const torch::Tensor target = torch::zeros({ 1, 4, 4 }, torch::kInt64);
  EXPECT_NEAR(headLoss(perfectLogits(target, 1), target).item<double>(), 0.0, 1e-6);
}

TEST(SegmentationLoss, DeepSupervisionSumsHeadLosses)
{
  torch::manual_seed(9);
  const torch::Tensor target = threeClassTarget();
  const std::vector<torch::Tensor> heads{ torch::randn({ 1, 3, 4, 4 }), torch::randn({ 1, 3, 4, 4 }),
                                          perfectLogits(target, 3), torch::zeros({ 1, 3, 4, 4 }) };
  double sum = 0.0;
  for (const auto & logits : heads)
  {
    sum += headLoss(logits, target).item<double>();
  }
  EXPECT_NEAR(deepSupervisionLoss(heads, target).item<double>(), sum, 1e-5);
  EXPECT_NEAR(deepSupervisionLoss({ heads[3] }, target).item<double>(), headLoss(heads[3], target).item<double>(), 1e-7);
}

TEST(SegmentationLoss, GradientReachesEveryHead)
{
  const torch::Tensor target = binaryTarget();
  std::vector<torch::Tensor> heads{ torch::zeros({ 1, 1, 4, 4 }, torch::requires_grad()),
                                    torch::zeros({ 1, 1, 4, 4 }, torch::requires_grad()) };
  deepSupervisionLoss(heads, target).backward();
  for (const auto & logits : heads)
  {
    ASSERT_TRUE(logits.grad().defined());
    // Raising the logit of a foreground pixel lowers the loss, raising a background one raises it.
    EXPECT_LT(logits.grad()[0][0][0][0].item<double>(), 0.0);
    EXPECT_GT(logits.grad()[0][0][3][3].item<double>(), 0.0);
  }
}

#include "unetpp/SegmentationLoss.h"

namespace unetpp
{

namespace
{

// Keeps the soft Dice defined (and equal to 1) when a class is absent from both prediction and target.
constexpr double DiceSmoothing = 1.0;

torch::Tensor
softDice(const torch::Tensor & probabilities, const torch::Tensor & target)
{
  const torch::Tensor intersection = (probabilities * target).sum();
  return (2.0 * intersection + DiceSmoothing) / (probabilities.sum() + target.sum() + DiceSmoothing);
}

} // namespace

torch::Tensor
headLoss(const torch::Tensor & logits, const torch::Tensor & target)
{
  const int64_t channels = logits.size(1);
  if (channels == 1)
  {
    const torch::Tensor binaryTarget = target.unsqueeze(1).to(logits.scalar_type());
    const torch::Tensor crossEntropy = torch::binary_cross_entropy_with_logits(logits, binaryTarget);
    return 0.5 * crossEntropy + (1.0 - softDice(torch::sigmoid(logits), binaryTarget));
  }

  const torch::Tensor crossEntropy = torch::nn::functional::cross_entropy(logits, target);
  const torch::Tensor probabilities = torch::softmax(logits, 1);
  const torch::Tensor oneHot = torch::one_hot(target, channels).permute({ 0, 3, 1, 2 }).to(logits.scalar_type());
  torch::Tensor diceSum = torch::zeros({}, logits.options());
  for (int64_t channel = 1; channel < channels; ++channel)
  {
    diceSum = diceSum + softDice(probabilities.select(1, channel), oneHot.select(1, channel));
  }
  return crossEntropy + (1.0 - diceSum / static_cast<double>(channels - 1));
}

torch::Tensor
deepSupervisionLoss(const std::vector<torch::Tensor> & headLogits, const torch::Tensor & target)
{
  torch::Tensor total = headLoss(headLogits.front(), target);
  for (size_t head = 1; head < headLogits.size(); ++head)
  {
    total = total + headLoss(headLogits[head], target);
  }
  return total;
}

} // namespace unetpp

#pragma once

#include <torch/torch.h>

#include <vector>

namespace unetpp
{

/**
 * Loss of one head. One output channel: 1/2 binary cross-entropy + (1 - soft Dice), the UNet++ paper's loss.
 * Several channels: softmax cross-entropy + (1 - mean soft Dice of the foreground classes).
 * `logits` is [batch, channels, H, W]; `target` holds class indices [batch, H, W] (0/1 for one channel).
 * Soft Dice is computed over the whole batch, which keeps it defined for tiles without foreground.
 */
torch::Tensor headLoss(const torch::Tensor & logits, const torch::Tensor & target);

/** Deep supervision loss: the sum of headLoss over every head. */
torch::Tensor deepSupervisionLoss(const std::vector<torch::Tensor> & headLogits, const torch::Tensor & target);

} // namespace unetpp

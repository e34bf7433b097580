#pragma once

#include "unetpp/NetworkConfig.h"

#include <torch/torch.h>

#include <map>
#include <utility>
#include <vector>

namespace unetpp
{

/** Grid position of a node x(i,j): i is the level (0 = full resolution), j the column (0 = encoder). */
using NodeIndex = std::pair<int, int>;

/** Convolution block H: two 3x3 convolutions, each followed by the optional normalisation and a ReLU. */
class ConvBlockImpl : public torch::nn::Module
{
public:
  ConvBlockImpl(int64_t inputChannels, int64_t outputChannels, NormalizationLayer normalization);

  torch::Tensor forward(torch::Tensor input);

private:
  torch::nn::Sequential m_Layers;
};
TORCH_MODULE(ConvBlock);

/**
 * UNet++ with nested dense skip pathways and deep supervision heads, as defined by Zhou et al.,
 * "UNet++: A Nested U-Net Architecture for Medical Image Segmentation" (DLMIA 2018). The same class
 * builds U-Net and Wide U-Net when NetworkConfig::architecture is UNet.
 *
 * Node x(i,0) is the encoder block over the max-pooled x(i-1,0). Node x(i,j), j >= 1, is a block over
 * the concatenation of x(i,0..j-1) (UNet++) or x(i,0) alone (U-Net) and the 2x2 transposed-convolution
 * up-sampling of x(i+1,j-1). Head j is a 1x1 convolution on x(0,j).
 *
 * A forward pass at pruning level k evaluates only the nodes x(i,j) with i + j <= k, which is the
 * sub-network that head k depends on.
 */
class UNetPlusPlusImpl : public torch::nn::Module
{
public:
  explicit UNetPlusPlusImpl(NetworkConfig config);

  const NetworkConfig & config() const { return m_Config; }

  /** Pruning levels this network supports: 1..depth with deep supervision, only depth without. */
  std::vector<int> supportedLevels() const;

  /** Throws std::invalid_argument when the network has no head at this pruning level. */
  void checkLevel(int level) const;

  /** Logits of heads 1..level that exist, in column order; for U-Net or without deep supervision one tensor. */
  std::vector<torch::Tensor> forwardHeads(const torch::Tensor & input, int level);

  /** Logits of head `level` only. */
  torch::Tensor forwardHead(const torch::Tensor & input, int level);

  /** Per-class probabilities (sigmoid for one output channel, softmax otherwise) at a pruning level and mode. */
  torch::Tensor predict(const torch::Tensor & input, int level, InferenceMode mode);

  /** Nodes evaluated by the most recent forward pass, in evaluation order. */
  const std::vector<NodeIndex> & lastEvaluatedNodes() const { return m_LastEvaluatedNodes; }

  /** Trainable parameters of the whole network, every head included. */
  int64_t parameterCount() const;

  /** Trainable parameters that a forward pass at this level and mode uses (fast mode: one head). */
  int64_t parameterCount(int level, InferenceMode mode) const;

  /** Whether node x(i,j) exists in this architecture. */
  bool hasNode(int level, int column) const;

  bool hasHead(int column) const;

private:
  /** Evaluates the sub-network of head `level` and returns x(0,0..level), undefined where a node is absent. */
  std::vector<torch::Tensor> evaluateNodes(const torch::Tensor & input, int level);
  torch::Tensor activation(const torch::Tensor & logits) const;
  std::vector<int> skipColumns(int column) const;
  bool isNeeded(int level, int column, int pruningLevel) const;

  NetworkConfig m_Config;
  std::map<NodeIndex, ConvBlock> m_Blocks;
  std::map<NodeIndex, torch::nn::ConvTranspose2d> m_UpSamplers;
  std::map<int, torch::nn::Conv2d> m_Heads;
  std::vector<NodeIndex> m_LastEvaluatedNodes;
};
TORCH_MODULE(UNetPlusPlus);

/** Sum of the element counts of the given parameters. */
int64_t countParameters(const std::vector<torch::Tensor> & parameters);

} // namespace unetpp

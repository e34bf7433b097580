#include "unetpp/UNetPlusPlus.h"

#include <stdexcept>
#include <string>

namespace unetpp
{

namespace
{

std::string
nodeName(const char * prefix, int level, int column)
{
  return std::string(prefix) + std::to_string(level) + "_" + std::to_string(column);
}

} // namespace

ConvBlockImpl::ConvBlockImpl(int64_t inputChannels, int64_t outputChannels, NormalizationLayer normalization)
{
  // A convolution bias is redundant in front of a normalisation layer, which subtracts the mean.
  const bool withBias = normalization == NormalizationLayer::None;
  int64_t channels = inputChannels;
  for (int convolution = 0; convolution < 2; ++convolution)
  {
    m_Layers->push_back(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, outputChannels, 3).padding(1).bias(withBias)));
    if (normalization == NormalizationLayer::Batch)
    {
      m_Layers->push_back(torch::nn::BatchNorm2d(outputChannels));
    }
    else if (normalization == NormalizationLayer::Instance)
    {
      m_Layers->push_back(torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(outputChannels).affine(true)));
    }
    m_Layers->push_back(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)));
    channels = outputChannels;
  }
  register_module("layers", m_Layers);
}

torch::Tensor
ConvBlockImpl::forward(torch::Tensor input)
{
  return m_Layers->forward(input);
}

UNetPlusPlusImpl::UNetPlusPlusImpl(NetworkConfig config)
  : m_Config(std::move(config))
{
  m_Config.validate();
  const int depth = m_Config.depth();
  const auto & filters = m_Config.filters;

  for (int column = 0; column <= depth; ++column)
  {
    for (int level = 0; level + column <= depth; ++level)
    {
      if (!hasNode(level, column))
      {
        continue;
      }
      const NodeIndex index{ level, column };
      int64_t inputChannels = 0;
      if (column == 0)
      {
        inputChannels = level == 0 ? m_Config.inputChannels : filters[level - 1];
      }
      else
      {
        const auto skips = static_cast<int64_t>(skipColumns(column).size());
        inputChannels = (skips + 1) * filters[level];
        m_UpSamplers.emplace(
          index,
          register_module(nodeName("up", level, column),
                          torch::nn::ConvTranspose2d(
                            torch::nn::ConvTranspose2dOptions(filters[level + 1], filters[level], 2).stride(2))));
      }
      m_Blocks.emplace(index,
                       register_module(nodeName("x", level, column),
                                       ConvBlock(inputChannels, filters[level], m_Config.normalization)));
    }
  }

  for (int column = 1; column <= depth; ++column)
  {
    if (hasHead(column))
    {
      m_Heads.emplace(column,
                      register_module("head" + std::to_string(column),
                                      torch::nn::Conv2d(torch::nn::Conv2dOptions(filters[0], m_Config.outputChannels, 1))));
    }
  }
}

bool
UNetPlusPlusImpl::hasNode(int level, int column) const
{
  const int depth = m_Config.depth();
  if (level < 0 || column < 0 || level + column > depth)
  {
    return false;
  }
  if (m_Config.architecture == Architecture::UNetPlusPlus)
  {
    return true;
  }
  return column == 0 || level + column == depth;
}

bool
UNetPlusPlusImpl::hasHead(int column) const
{
  if (column < 1 || column > m_Config.depth())
  {
    return false;
  }
  if (m_Config.architecture == Architecture::UNet || !m_Config.deepSupervision)
  {
    return column == m_Config.depth();
  }
  return true;
}

std::vector<int>
UNetPlusPlusImpl::supportedLevels() const
{
  std::vector<int> levels;
  for (int column = 1; column <= m_Config.depth(); ++column)
  {
    if (hasHead(column))
    {
      levels.push_back(column);
    }
  }
  return levels;
}

void
UNetPlusPlusImpl::checkLevel(int level) const
{
  if (!hasHead(level))
  {
    std::string supported;
    for (const int candidate : supportedLevels())
    {
      supported += (supported.empty() ? "" : ", ") + std::to_string(candidate);
    }
    throw std::invalid_argument("pruning level " + std::to_string(level) + " is not available in this " +
                                toString(m_Config.architecture) + " network (depth " +
                                std::to_string(m_Config.depth()) + (m_Config.deepSupervision ? "" : ", no deep supervision") +
                                "); supported levels: " + supported);
  }
}

std::vector<int>
UNetPlusPlusImpl::skipColumns(int column) const
{
  if (m_Config.architecture == Architecture::UNet)
  {
    return { 0 };
  }
  std::vector<int> columns;
  for (int earlier = 0; earlier < column; ++earlier)
  {
    columns.push_back(earlier);
  }
  return columns;
}

bool
UNetPlusPlusImpl::isNeeded(int level, int column, int pruningLevel) const
{
  return hasNode(level, column) && level + column <= pruningLevel;
}

std::vector<torch::Tensor>
UNetPlusPlusImpl::evaluateNodes(const torch::Tensor & input, int pruningLevel)
{
  checkLevel(pruningLevel);
  const int64_t divisor = m_Config.sizeDivisor();
  if (input.dim() != 4 || input.size(1) != m_Config.inputChannels || input.size(2) % divisor != 0 ||
      input.size(3) % divisor != 0)
  {
    throw std::invalid_argument("network input must be [batch, " + std::to_string(m_Config.inputChannels) +
                                ", H, W] with H and W multiples of " + std::to_string(divisor) + ", got " +
                                c10::str(input.sizes()));
  }

  m_LastEvaluatedNodes.clear();
  std::map<NodeIndex, torch::Tensor> outputs;

  // The sub-network of head k is every node with i + j <= k; visiting column by column respects the
  // data dependencies, since x(i,j) reads only columns < j.
  for (int column = 0; column <= pruningLevel; ++column)
  {
    for (int level = 0; level + column <= pruningLevel; ++level)
    {
      if (!isNeeded(level, column, pruningLevel))
      {
        continue;
      }
      const NodeIndex index{ level, column };
      torch::Tensor blockInput;
      if (column == 0)
      {
        blockInput = level == 0 ? input : torch::max_pool2d(outputs.at({ level - 1, 0 }), 2);
      }
      else
      {
        std::vector<torch::Tensor> parts;
        for (const int skip : skipColumns(column))
        {
          parts.push_back(outputs.at({ level, skip }));
        }
        parts.push_back(m_UpSamplers.at(index)->forward(outputs.at({ level + 1, column - 1 })));
        blockInput = torch::cat(parts, 1);
      }
      outputs[index] = m_Blocks.at(index)->forward(blockInput);
      m_LastEvaluatedNodes.push_back(index);
    }
  }

  std::vector<torch::Tensor> topRow(static_cast<size_t>(pruningLevel) + 1);
  for (int column = 0; column <= pruningLevel; ++column)
  {
    const auto found = outputs.find({ 0, column });
    if (found != outputs.end())
    {
      topRow[static_cast<size_t>(column)] = found->second;
    }
  }
  return topRow;
}

std::vector<torch::Tensor>
UNetPlusPlusImpl::forwardHeads(const torch::Tensor & input, int level)
{
  const auto topRow = evaluateNodes(input, level);
  std::vector<torch::Tensor> logits;
  for (int column = 1; column <= level; ++column)
  {
    if (hasHead(column))
    {
      logits.push_back(m_Heads.at(column)->forward(topRow[static_cast<size_t>(column)]));
    }
  }
  return logits;
}

torch::Tensor
UNetPlusPlusImpl::forwardHead(const torch::Tensor & input, int level)
{
  const auto topRow = evaluateNodes(input, level);
  return m_Heads.at(level)->forward(topRow[static_cast<size_t>(level)]);
}

torch::Tensor
UNetPlusPlusImpl::activation(const torch::Tensor & logits) const
{
  return m_Config.outputChannels == 1 ? torch::sigmoid(logits) : torch::softmax(logits, 1);
}

torch::Tensor
UNetPlusPlusImpl::predict(const torch::Tensor & input, int level, InferenceMode mode)
{
  if (mode == InferenceMode::Fast)
  {
    return activation(forwardHead(input, level));
  }
  const auto logits = forwardHeads(input, level);
  torch::Tensor sum = activation(logits.front());
  for (size_t head = 1; head < logits.size(); ++head)
  {
    sum.add_(activation(logits[head]));
  }
  return sum.div_(static_cast<double>(logits.size()));
}

int64_t
countParameters(const std::vector<torch::Tensor> & parameters)
{
  int64_t total = 0;
  for (const auto & parameter : parameters)
  {
    total += parameter.numel();
  }
  return total;
}

int64_t
UNetPlusPlusImpl::parameterCount() const
{
  return countParameters(parameters());
}

int64_t
UNetPlusPlusImpl::parameterCount(int level, InferenceMode mode) const
{
  checkLevel(level);
  int64_t total = 0;
  for (const auto & [index, block] : m_Blocks)
  {
    if (isNeeded(index.first, index.second, level))
    {
      total += countParameters(block->parameters());
    }
  }
  for (const auto & [index, upSampler] : m_UpSamplers)
  {
    if (isNeeded(index.first, index.second, level))
    {
      total += countParameters(upSampler->parameters());
    }
  }
  for (const auto & [column, head] : m_Heads)
  {
    const bool used = mode == InferenceMode::Fast ? column == level : column <= level;
    if (used)
    {
      total += countParameters(head->parameters());
    }
  }
  return total;
}

} // namespace unetpp

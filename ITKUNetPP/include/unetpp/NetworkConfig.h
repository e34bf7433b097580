#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace unetpp
{

/** Decoder layout. U-Net and Wide U-Net share the U-Net layout and differ only in their filter widths. */
enum class Architecture
{
  UNet,
  UNetPlusPlus
};

/** Normalisation layer placed after each convolution, before the activation. */
enum class NormalizationLayer
{
  None,
  Batch,
  Instance
};

/** How the deep supervision heads are combined at inference time. */
enum class InferenceMode
{
  Accurate, ///< mean of the probabilities of heads 1..k
  Fast      ///< probabilities of head k alone
};

std::string toString(Architecture architecture);
std::string toString(NormalizationLayer normalization);
std::string toString(InferenceMode mode);
Architecture architectureFromString(const std::string & text);
NormalizationLayer normalizationFromString(const std::string & text);
InferenceMode inferenceModeFromString(const std::string & text);

/** Settings that fix the shape of a network and therefore of its weights. */
struct NetworkConfig
{
  Architecture architecture = Architecture::UNetPlusPlus;
  int64_t inputChannels = 1;

  /** One channel means a sigmoid (binary) output; two or more mean a softmax over the classes, background included. */
  int64_t outputChannels = 1;

  /** Filters per encoder level; the depth (number of down-samplings) is size() - 1. */
  std::vector<int64_t> filters{ 32, 64, 128, 256, 512 };

  NormalizationLayer normalization = NormalizationLayer::None;

  /** A 1x1 head on every x(0,j), j = 1..depth; without it a single head on x(0,depth). */
  bool deepSupervision = true;

  int depth() const { return static_cast<int>(filters.size()) - 1; }

  /** Spatial sizes must be multiples of this, because each level halves the size. */
  int64_t sizeDivisor() const { return int64_t{ 1 } << depth(); }

  /** Throws std::invalid_argument naming the first invalid setting. */
  void validate() const;
};

} // namespace unetpp

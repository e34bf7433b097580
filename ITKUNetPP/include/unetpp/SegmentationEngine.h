#pragma once

#include "unetpp/ModelFile.h"
#include "unetpp/Orientation.h"
#include "unetpp/SliceTiler.h"

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>

namespace unetpp
{

/** Settings of one segmentation run; the model file supplies everything else. */
struct InferenceOptions
{
  int level = 4; ///< pruning level, 1..depth
  InferenceMode mode = InferenceMode::Accurate;
  std::string device = "auto"; ///< "auto" (CUDA when available), "cpu" or "cuda"
  int threads = 0;             ///< CPU threads for LibTorch; 0 uses every core
  double overlap = 0.5;        ///< fraction of a tile shared with its neighbour
  int64_t batchSize = 16;      ///< tiles per network call
  /// Test-time augmentation: average the probabilities of each tile and of its mirror images along rows, along
  /// columns and along both (four network passes instead of one).
  bool mirroring = false;
};

/// Far more threads than any CPU has cores only slows LibTorch down, and thousands exhaust the process.
constexpr int MaximumThreads = 128;

/**
 * Throws std::invalid_argument unless the model was trained with flips, because mirroring at inference time
 * is sound only for a model that learned mirrored images (a left or anterior label may otherwise swap sides).
 */
void
checkMirroringSupported(const ModelMetadata & metadata);

/** Resolves "auto", "cpu" or "cuda" to a device; throws std::invalid_argument when CUDA is requested but absent. */
torch::Device resolveDevice(const std::string & request);

/** Sets LibTorch's intra-op thread count: `threads`, or every core when it is 0. Returns the count in use. */
int configureThreads(int threads);

/** Result for one slice, handed to the caller as soon as all its tiles are blended. */
struct SliceResult
{
  int axis = 2;      ///< ITK index axis of the input image that the slice is cut along
  int64_t index = 0; ///< index of the slice along that axis of the input image
  torch::Tensor probabilities; ///< [classes, rows, columns] float32 on the CPU, laid out as sliceOf(input, axis, index)
  torch::Tensor labels;        ///< [rows, columns] int32 label values from the model's class list
};

/** Whole-volume result of SegmentationEngine::segment. */
struct SegmentationResult
{
  torch::Tensor labels;        ///< [z, y, x] int32 label values
  torch::Tensor probabilities; ///< [classes, z, y, x] float32, or undefined when not requested
};

/**
 * Runs a model over a 2D image or a 3D volume slice by slice (LibTorch only, no ITK).
 *
 * The image is a tensor [channels, z, y, x] (a 2D image has z = 1 and is cut along axis 2). When the caller
 * gives the image's direction and the model records its training orientation, the volume is first permuted
 * and flipped to that orientation (no resampling) and every result is mapped back, so results always come
 * in the input's own voxel grid. The image is normalised as the model file says, cut into slices along the
 * model's slice axis, each slice into tiles (SliceTiler),
 * and tiles from consecutive slices are batched through the network pruned at the requested level. Memory
 * stays bounded by one batch of tiles plus the slices whose tiles are in flight, whatever the volume size,
 * unless the caller asks segment() for the whole probability volume.
 */
class SegmentationEngine
{
public:
  /** Called once per slice in slice order; return false to abort the run (run() then returns false). */
  using SliceCallback = std::function<bool(const SliceResult &)>;

  SegmentationEngine(Model model, InferenceOptions options);

  /**
   * Segments every slice and passes each to `onSlice`; returns false when the callback aborted. `direction`
   * is the image's direction matrix, used to match the model's training orientation.
   */
  bool run(const torch::Tensor & image, const SliceCallback & onSlice,
           const std::optional<DirectionMatrix> & direction = std::nullopt);

  /**
   * Segments the whole image and assembles the labelmap (and the probabilities when asked). `onProgress`
   * receives the fraction done after each slice and may return false to abort, in which case the result is empty.
   */
  SegmentationResult segment(const torch::Tensor & image, bool keepProbabilities,
                             const std::function<bool(double)> & onProgress = {},
                             const std::optional<DirectionMatrix> & direction = std::nullopt);

  /** Input axis that the image is cut along: the model's axis after re-orientation for volumes, 2 for 2D images. */
  int sliceAxisFor(const torch::Tensor & image, const std::optional<DirectionMatrix> & direction = std::nullopt) const;

  /** Re-orientation applied to this image: identity for 2D images or when either direction is unknown. */
  AxisMapping axisMappingFor(const torch::Tensor & image, const std::optional<DirectionMatrix> & direction) const;

  /** Throws std::invalid_argument when the image does not fit the model (rank, channels, empty). */
  void checkImage(const torch::Tensor & image) const;

  const torch::Device & device() const { return m_Device; }
  int threads() const { return m_Threads; }
  const ModelMetadata & metadata() const { return m_Model.metadata; }
  const InferenceOptions & options() const { return m_Options; }

  /** Label value of each class, in output-channel order. */
  torch::Tensor labelValues() const;

private:
  torch::Tensor probabilitiesToLabels(const torch::Tensor & probabilities) const;

  Model m_Model;
  InferenceOptions m_Options;
  torch::Device m_Device{ torch::kCPU };
  int m_Threads = 1;
  SliceTiler m_Tiler;
};

} // namespace unetpp

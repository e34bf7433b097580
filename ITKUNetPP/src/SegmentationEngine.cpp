#include "unetpp/SegmentationEngine.h"

#include "unetpp/IntensityNormalizer.h"

#include <deque>
#include <stdexcept>
#include <thread>

namespace unetpp
{

namespace
{

/** A slice whose tiles are still being predicted. */
struct PendingSlice
{
  int64_t index = 0;
  int64_t rows = 0;
  int64_t columns = 0;
  torch::Tensor weightedSum; ///< [classes, padded rows, padded columns]
  torch::Tensor weightTotal; ///< [padded rows, padded columns]
  size_t tilesLeft = 0;
};

struct QueuedTile
{
  PendingSlice * slice = nullptr;
  TileOrigin origin;
  torch::Tensor pixels; ///< [channels, patch rows, patch columns]
};

} // namespace

void
checkMirroringSupported(const ModelMetadata & metadata)
{
  const auto augmentation = metadata.training.find("augmentation");
  const bool recorded = augmentation != metadata.training.end() && augmentation->is_string();
  if (recorded && augmentation->get<std::string>().find("flips") != std::string::npos)
  {
    return;
  }
  throw std::invalid_argument(
    "model '" + metadata.name + "' was not trained on mirrored images (training augmentation: " +
    (recorded ? "'" + augmentation->get<std::string>() + "'" : "not recorded") +
    "), so test-time mirroring would average predictions it never learned; a model whose labels depend on "
    "the side, such as anterior and posterior, would swap them. Leave test-time augmentation off for this model");
}

torch::Device
resolveDevice(const std::string & request)
{
  if (request == "cpu")
  {
    return torch::kCPU;
  }
  if (request == "cuda")
  {
    if (!torch::cuda::is_available())
    {
      throw std::invalid_argument("device cuda was requested but this LibTorch build sees no CUDA device; use --device cpu or auto");
    }
    return torch::kCUDA;
  }
  if (request == "auto")
  {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  }
  throw std::invalid_argument("unknown device '" + request + "': expected auto, cpu or cuda");
}

int
configureThreads(int threads)
{
  if (threads < 0 || threads > MaximumThreads)
  {
    throw std::invalid_argument("thread count must lie between 0 (every core) and " + std::to_string(MaximumThreads) +
                                ", got " + std::to_string(threads));
  }
  const int count = threads > 0 ? threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  // LibTorch starts with a single intra-op thread in some builds (Debian's among them), so set it explicitly.
  torch::set_num_threads(count);
  return count;
}

SegmentationEngine::SegmentationEngine(Model model, InferenceOptions options)
  : m_Model(std::move(model))
  , m_Options(std::move(options))
  , m_Tiler(m_Model.metadata.patchSize, m_Options.overlap)
{
  m_Model.network->checkLevel(m_Options.level);
  if (m_Options.mirroring)
  {
    checkMirroringSupported(m_Model.metadata);
  }
  if (m_Options.batchSize < 1)
  {
    throw std::invalid_argument("batch size must be at least 1, got " + std::to_string(m_Options.batchSize));
  }
  m_Device = resolveDevice(m_Options.device);
  m_Threads = configureThreads(m_Options.threads);
  m_Model.network->to(m_Device);
  m_Model.network->eval();
}

torch::Tensor
SegmentationEngine::labelValues() const
{
  std::vector<int32_t> values;
  for (const auto & info : m_Model.metadata.classes)
  {
    values.push_back(info.labelValue);
  }
  return torch::tensor(values, torch::kInt32);
}

AxisMapping
SegmentationEngine::axisMappingFor(const torch::Tensor & image, const std::optional<DirectionMatrix> & direction) const
{
  if (!direction || !m_Model.metadata.trainingDirection || image.size(1) == 1)
  {
    return {};
  }
  return axisMappingBetween(*direction, *m_Model.metadata.trainingDirection);
}

int
SegmentationEngine::sliceAxisFor(const torch::Tensor & image, const std::optional<DirectionMatrix> & direction) const
{
  if (image.size(1) == 1)
  {
    return 2;
  }
  return axisMappingFor(image, direction).sourceAxis[static_cast<size_t>(m_Model.metadata.sliceAxis)];
}

void
SegmentationEngine::checkImage(const torch::Tensor & image) const
{
  if (image.dim() != 4)
  {
    throw std::invalid_argument("image tensor must be [channels, z, y, x], got " + c10::str(image.sizes()));
  }
  if (image.numel() == 0)
  {
    throw std::invalid_argument("image is empty: " + c10::str(image.sizes()));
  }
  const int64_t expected = m_Model.metadata.inputChannels();
  if (image.size(0) != expected)
  {
    throw std::invalid_argument("the model expects " + std::to_string(expected) + " image channel(s) but the image has " +
                                std::to_string(image.size(0)));
  }
}

torch::Tensor
SegmentationEngine::probabilitiesToLabels(const torch::Tensor & probabilities) const
{
  const torch::Tensor classIndex = probabilities.argmax(0);
  return labelValues().index({ classIndex });
}

bool
SegmentationEngine::run(const torch::Tensor & image, const SliceCallback & onSlice,
                        const std::optional<DirectionMatrix> & direction)
{
  checkImage(image);
  const AxisMapping mapping = axisMappingFor(image, direction);
  const int axis = image.size(1) == 1 ? 2 : m_Model.metadata.sliceAxis;
  const int inputAxis = mapping.sourceAxis[static_cast<size_t>(axis)];
  const torch::Tensor normalized =
    toTrainingOrientation(normalizeIntensities(image, m_Model.metadata.intensity), mapping);
  const int64_t slices = sliceCount(normalized, axis);
  const int64_t classes = static_cast<int64_t>(m_Model.metadata.classes.size());
  const auto & patch = m_Tiler.patchSize();
  const torch::Tensor weights = m_Tiler.blendingWeights();

  torch::NoGradGuard noGrad;
  std::deque<PendingSlice> inFlight;
  std::vector<QueuedTile> queue;
  bool aborted = false;

  // Hands finished slices to the caller in slice order and frees them.
  const auto emitFinished = [&] {
    while (!aborted && !inFlight.empty() && inFlight.front().tilesLeft == 0)
    {
      PendingSlice & done = inFlight.front();
      // Map the slice back to the input's grid: restore its slice dimension, undo the re-orientation, drop it again.
      const torch::Tensor probabilities = m_Tiler.crop(done.weightedSum / done.weightTotal, done.rows, done.columns);
      SliceResult result;
      result.axis = inputAxis;
      result.index = mapping.flipped[static_cast<size_t>(axis)] ? slices - 1 - done.index : done.index;
      result.probabilities = fromTrainingOrientation(probabilities.unsqueeze(tensorDimensionOfAxis(axis)), mapping)
                               .squeeze(tensorDimensionOfAxis(inputAxis))
                               .contiguous();
      result.labels = probabilitiesToLabels(result.probabilities);
      aborted = onSlice && !onSlice(result);
      inFlight.pop_front();
    }
  };

  const auto predictQueue = [&] {
    if (queue.empty())
    {
      return;
    }
    std::vector<torch::Tensor> tiles;
    tiles.reserve(queue.size());
    for (const auto & tile : queue)
    {
      tiles.push_back(tile.pixels);
    }
    const torch::Tensor batch = torch::stack(tiles).to(m_Device);
    torch::Tensor probabilities = m_Model.network->predict(batch, m_Options.level, m_Options.mode);
    if (m_Options.mirroring)
    {
      // Tiles are [tiles, channels, rows, columns]: mirror along rows (2), columns (3) and both, and mirror back.
      for (const std::vector<int64_t> & axes : { std::vector<int64_t>{ 2 }, std::vector<int64_t>{ 3 },
                                                 std::vector<int64_t>{ 2, 3 } })
      {
        probabilities.add_(m_Model.network->predict(batch.flip(axes), m_Options.level, m_Options.mode).flip(axes));
      }
      probabilities.div_(4.0);
    }
    probabilities = probabilities.to(torch::kCPU);
    if (probabilities.size(1) == 1)
    {
      probabilities = torch::cat({ 1.0 - probabilities, probabilities }, 1);
    }
    for (size_t position = 0; position < queue.size(); ++position)
    {
      const QueuedTile & tile = queue[position];
      PendingSlice & slice = *tile.slice;
      slice.weightedSum.narrow(1, tile.origin.row, patch[0])
        .narrow(2, tile.origin.column, patch[1])
        .add_(probabilities[static_cast<int64_t>(position)] * weights);
      slice.weightTotal.narrow(0, tile.origin.row, patch[0]).narrow(1, tile.origin.column, patch[1]).add_(weights);
      --slice.tilesLeft;
    }
    queue.clear();
    emitFinished();
  };

  for (int64_t index = 0; index < slices && !aborted; ++index)
  {
    const torch::Tensor slice = sliceOf(normalized, axis, index);
    const torch::Tensor padded = m_Tiler.pad(slice);
    const std::array<int64_t, 2> paddedSize{ padded.size(1), padded.size(2) };
    const auto origins = m_Tiler.tileOrigins(paddedSize);

    PendingSlice & pending = inFlight.emplace_back();
    pending.index = index;
    pending.rows = slice.size(1);
    pending.columns = slice.size(2);
    pending.weightedSum = torch::zeros({ classes, paddedSize[0], paddedSize[1] });
    pending.weightTotal = torch::zeros({ paddedSize[0], paddedSize[1] });
    pending.tilesLeft = origins.size();

    for (const TileOrigin & origin : origins)
    {
      queue.push_back({ &pending, origin, padded.narrow(1, origin.row, patch[0]).narrow(2, origin.column, patch[1]) });
      if (static_cast<int64_t>(queue.size()) == m_Options.batchSize)
      {
        predictQueue();
        if (aborted)
        {
          break;
        }
      }
    }
  }
  if (!aborted)
  {
    predictQueue();
  }
  return !aborted;
}

SegmentationResult
SegmentationEngine::segment(const torch::Tensor & image, bool keepProbabilities,
                            const std::function<bool(double)> & onProgress,
                            const std::optional<DirectionMatrix> & direction)
{
  checkImage(image);
  const int64_t slices = image.size(tensorDimensionOfAxis(sliceAxisFor(image, direction)));
  int64_t slicesDone = 0;
  const int64_t classes = static_cast<int64_t>(m_Model.metadata.classes.size());

  SegmentationResult result;
  result.labels = torch::zeros({ image.size(1), image.size(2), image.size(3) }, torch::kInt32);
  if (keepProbabilities)
  {
    result.probabilities = torch::zeros({ classes, image.size(1), image.size(2), image.size(3) });
  }

  const bool completed = run(
    image,
    [&](const SliceResult & slice) {
      // The labelmap has no channel dimension, so the slice's dimension there is one less.
      const int64_t dimension = tensorDimensionOfAxis(slice.axis);
      result.labels.select(dimension - 1, slice.index).copy_(slice.labels);
      if (keepProbabilities)
      {
        result.probabilities.select(dimension, slice.index).copy_(slice.probabilities);
      }
      ++slicesDone;
      return !onProgress || onProgress(static_cast<double>(slicesDone) / static_cast<double>(slices));
    },
    direction);
  return completed ? result : SegmentationResult{};
}

} // namespace unetpp

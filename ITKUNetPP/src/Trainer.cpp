#include "unetpp/Trainer.h"

#include "unetpp/AtomicFile.h"
#include "unetpp/IntensityNormalizer.h"
#include "unetpp/Metrics.h"
#include "unetpp/SegmentationEngine.h"
#include "unetpp/SegmentationLoss.h"
#include "unetpp/SliceTiler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>

namespace unetpp
{

namespace
{

using Clock = std::chrono::steady_clock;

double
secondsSince(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Ranges of the random intensity jitter, applied to normalised (zero-mean, unit-variance) intensities.
constexpr double JitterScaleRange = 0.1;
constexpr double JitterShiftRange = 0.1;

// A validation loss must fall by more than this to count as an improvement for early stopping.
constexpr double ImprovementTolerance = 1e-6;

/** Uniform random number in [-range, range] from LibTorch's global generator, which the epoch seed fixes. */
double
uniformSymmetric(double range)
{
  return (torch::rand({ 1 }).item<double>() * 2.0 - 1.0) * range;
}

bool
coinFlip()
{
  return torch::rand({ 1 }).item<double>() < 0.5;
}

/** Saves with a LibTorch serializer under a temporary name, then renames, so a checkpoint is never half written. */
template <typename Saveable>
void
saveAtomically(const Saveable & object, const std::filesystem::path & path)
{
  ScopedTemporaryFile temporary(path.string());
  torch::save(object, temporary.path());
  temporary.commit();
}

void
writeJsonAtomically(const nlohmann::json & json, const std::filesystem::path & path)
{
  ScopedTemporaryFile temporary(path.string());
  {
    std::ofstream stream(temporary.path());
    stream << json.dump(2) << '\n';
    if (!stream)
    {
      throw std::runtime_error("cannot write " + path.string());
    }
  }
  temporary.commit();
}

} // namespace

double
learningRateAt(const TrainingOptions & options, int epoch)
{
  if (options.learningRateSchedule != "cosine" || options.maxEpochs <= 1)
  {
    return options.learningRate;
  }
  const double finalRate = options.learningRate / 100.0;
  const double progress =
    static_cast<double>(std::clamp(epoch, 1, options.maxEpochs) - 1) / static_cast<double>(options.maxEpochs - 1);
  return finalRate + 0.5 * (options.learningRate - finalRate) * (1.0 + std::cos(progress * 3.14159265358979323846));
}

Trainer::Trainer(ModelMetadata base, TrainingOptions options)
  : m_Base(std::move(base))
  , m_Options(std::move(options))
{
  m_Base.validate();
  if (m_Options.rotations && m_Base.patchSize[0] != m_Base.patchSize[1])
  {
    throw std::invalid_argument("90-degree rotations need a square patch, got " + std::to_string(m_Base.patchSize[0]) +
                                "x" + std::to_string(m_Base.patchSize[1]) + "; disable rotations or use a square patch");
  }
  if (m_Options.learningRateSchedule != "constant" && m_Options.learningRateSchedule != "cosine")
  {
    throw std::invalid_argument("learning-rate schedule must be constant or cosine, got '" +
                                m_Options.learningRateSchedule + "'");
  }
  if (m_Options.batchSize < 1 || m_Options.maxEpochs < 1 || m_Options.learningRate <= 0.0)
  {
    throw std::invalid_argument("batch size, epochs and learning rate must be positive");
  }
  if (!(m_Options.validationFraction > 0.0 && m_Options.validationFraction < 1.0))
  {
    throw std::invalid_argument("validation fraction must lie between 0 and 1, got " +
                                std::to_string(m_Options.validationFraction));
  }
}

void
Trainer::setCases(std::vector<TrainingCase> cases)
{
  if (cases.size() < 2)
  {
    throw std::invalid_argument("training needs at least 2 cases (one for validation), got " + std::to_string(cases.size()));
  }
  const int64_t classes = static_cast<int64_t>(m_Base.classes.size());
  for (const auto & trainingCase : cases)
  {
    if (trainingCase.image.dim() != 4 || trainingCase.image.size(0) != m_Base.inputChannels())
    {
      throw std::invalid_argument("case " + trainingCase.name + ": image must be [" +
                                  std::to_string(m_Base.inputChannels()) + " channels, z, y, x], got " +
                                  c10::str(trainingCase.image.sizes()));
    }
    if (trainingCase.labels.sizes() != trainingCase.image.sizes().slice(1))
    {
      throw std::invalid_argument("case " + trainingCase.name + ": label size " + c10::str(trainingCase.labels.sizes()) +
                                  " differs from image size " + c10::str(trainingCase.image.sizes().slice(1)));
    }
    if (trainingCase.labels.min().item<int64_t>() < 0 || trainingCase.labels.max().item<int64_t>() >= classes)
    {
      throw std::invalid_argument("case " + trainingCase.name + ": class indices must lie in 0.." +
                                  std::to_string(classes - 1));
    }
  }

  // Sort by name first, so that the split depends only on the split seed and the set of cases, not on folder order.
  std::sort(cases.begin(), cases.end(), [](const auto & a, const auto & b) { return a.name < b.name; });
  std::mt19937_64 generator(m_Options.splitSeed);
  std::shuffle(cases.begin(), cases.end(), generator);
  const auto validationCount = std::max<size_t>(
    1, static_cast<size_t>(std::lround(m_Options.validationFraction * static_cast<double>(cases.size()))));

  m_ValidationCases.assign(cases.begin(), cases.begin() + static_cast<std::ptrdiff_t>(validationCount));
  m_TrainingCases.assign(cases.begin() + static_cast<std::ptrdiff_t>(validationCount), cases.end());
  m_TrainingSamples = makeSamples(m_TrainingCases);
  m_ValidationSamples = makeSamples(m_ValidationCases);
}

std::vector<Trainer::SliceSample>
Trainer::makeSamples(const std::vector<TrainingCase> & cases) const
{
  const SliceTiler padder(m_Base.patchSize, 0.0);
  std::vector<SliceSample> samples;
  for (const auto & trainingCase : cases)
  {
    const torch::Tensor normalized = normalizeIntensities(trainingCase.image, m_Base.intensity);
    const int axis = trainingCase.image.size(1) == 1 ? 2 : m_Base.sliceAxis;
    const torch::Tensor labels = trainingCase.labels.unsqueeze(0);
    for (int64_t index = 0; index < sliceCount(normalized, axis); ++index)
    {
      const torch::Tensor image = sliceOf(normalized, axis, index);
      const torch::Tensor label = sliceOf(labels, axis, index);
      SliceSample sample;
      sample.image = padder.pad(image).contiguous();
      sample.labels = padder.pad(label.to(torch::kInt64))[0].contiguous();
      sample.valid = padder.pad(torch::ones_like(label, torch::kBool))[0].contiguous();
      samples.push_back(std::move(sample));
    }
  }
  return samples;
}

void
Trainer::makeBatch(const std::vector<SliceSample> & samples, const std::vector<int64_t> & indices, bool augment,
                   torch::Tensor & images, torch::Tensor & labels)
{
  const auto & patch = m_Base.patchSize;
  std::vector<torch::Tensor> imageTiles;
  std::vector<torch::Tensor> labelTiles;
  for (const int64_t index : indices)
  {
    const SliceSample & sample = samples[static_cast<size_t>(index)];
    const int64_t rows = sample.image.size(1);
    const int64_t columns = sample.image.size(2);
    const int64_t row = rows > patch[0] ? torch::randint(rows - patch[0] + 1, { 1 }).item<int64_t>() : 0;
    const int64_t column = columns > patch[1] ? torch::randint(columns - patch[1] + 1, { 1 }).item<int64_t>() : 0;
    // In validation the crop is the top-left patch. Validation slices larger than the patch are scored
    // whole by validationDice, so this crop only affects the validation loss.
    torch::Tensor image = sample.image.narrow(1, row, patch[0]).narrow(2, column, patch[1]);
    torch::Tensor label = sample.labels.narrow(0, row, patch[0]).narrow(1, column, patch[1]);

    if (augment)
    {
      const torch::Tensor valid = sample.valid.narrow(0, row, patch[0]).narrow(1, column, patch[1]);
      if (m_Options.intensityJitter)
      {
        const double scale = 1.0 + uniformSymmetric(JitterScaleRange);
        const double shift = uniformSymmetric(JitterShiftRange);
        // Only the image is jittered; the padding stays zero, as at inference time.
        image = torch::where(valid, image * scale + shift, image);
      }
      if (m_Options.flips && coinFlip())
      {
        image = image.flip({ 2 });
        label = label.flip({ 1 });
      }
      if (m_Options.flips && coinFlip())
      {
        image = image.flip({ 1 });
        label = label.flip({ 0 });
      }
      if (m_Options.rotations)
      {
        const int64_t quarterTurns = torch::randint(4, { 1 }).item<int64_t>();
        image = torch::rot90(image, quarterTurns, { 1, 2 });
        label = torch::rot90(label, quarterTurns, { 0, 1 });
      }
    }
    imageTiles.push_back(image);
    labelTiles.push_back(label);
  }
  images = torch::stack(imageTiles).contiguous();
  labels = torch::stack(labelTiles).contiguous();
}

double
Trainer::validationLoss(UNetPlusPlus & network)
{
  torch::NoGradGuard noGrad;
  network->eval();
  const int depth = m_Base.network.depth();
  double sum = 0.0;
  int64_t batches = 0;
  for (size_t start = 0; start < m_ValidationSamples.size(); start += static_cast<size_t>(m_Options.batchSize))
  {
    std::vector<int64_t> indices;
    for (size_t index = start; index < std::min(m_ValidationSamples.size(), start + static_cast<size_t>(m_Options.batchSize));
         ++index)
    {
      indices.push_back(static_cast<int64_t>(index));
    }
    torch::Tensor images;
    torch::Tensor labels;
    makeBatch(m_ValidationSamples, indices, false, images, labels);
    sum += deepSupervisionLoss(network->forwardHeads(images.to(m_Device), depth), labels.to(m_Device)).item<double>();
    ++batches;
  }
  network->train();
  return sum / static_cast<double>(std::max<int64_t>(1, batches));
}

std::string
Trainer::settingsFingerprint() const
{
  nlohmann::json model = toJson(m_Base);
  model.erase("training");
  model.erase("validation_metrics");
  // The training direction is read from the first case, which the case lists below already identify.
  model.erase("training_direction");
  std::vector<std::string> trainingNames;
  std::vector<std::string> validationNames;
  for (const auto & trainingCase : m_TrainingCases)
  {
    trainingNames.push_back(trainingCase.name);
  }
  for (const auto & validationCase : m_ValidationCases)
  {
    validationNames.push_back(validationCase.name);
  }
  nlohmann::json settings{ { "model", model },
                                 { "batch_size", m_Options.batchSize },
                                 { "learning_rate", m_Options.learningRate },
                                 { "learning_rate_schedule", m_Options.learningRateSchedule },
                                 { "seed", m_Options.seed },
                                 { "split_seed", m_Options.splitSeed },
                                 { "flips", m_Options.flips },
                                 { "rotations", m_Options.rotations },
                                 { "intensity_jitter", m_Options.intensityJitter },
                                 { "training_cases", trainingNames },
                                 { "validation_cases", validationNames } };
  if (m_Options.learningRateSchedule == "cosine")
  {
    // The cosine schedule is spread over the maximum number of epochs, so a resumed run must keep it.
    settings["max_epochs"] = m_Options.maxEpochs;
  }
  return settings.dump();
}

Model
Trainer::train()
{
  if (m_TrainingSamples.empty() || m_ValidationSamples.empty())
  {
    throw std::logic_error("Trainer::train needs cases; call setCases first");
  }
  m_Device = resolveDevice(m_Options.device);
  configureThreads(m_Options.threads);
  const auto say = [this](const std::string & message) {
    if (onMessage)
    {
      onMessage(message);
    }
  };

  torch::manual_seed(m_Options.seed);
  UNetPlusPlus network(m_Base.network);
  network->to(m_Device);
  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(m_Options.learningRate));

  // Resume from the checkpoint folder when it contains a run with the same settings.
  const std::filesystem::path checkpoints(m_Options.checkpointDirectory);
  const auto statePath = checkpoints / "state.json";
  const auto networkPath = checkpoints / "last-network.pt";
  const auto optimizerPath = checkpoints / "last-optimizer.pt";
  const auto bestPath = checkpoints / "best-network.pt";
  nlohmann::json state{ { "settings", settingsFingerprint() }, { "completed_epochs", 0 }, { "best_epoch", 0 },
                        { "best_validation_loss", std::numeric_limits<double>::max() }, { "history", nlohmann::json::array() },
                        { "seconds", 0.0 } };
  if (!checkpoints.empty())
  {
    std::filesystem::create_directories(checkpoints);
    if (std::filesystem::exists(statePath))
    {
      std::ifstream stream(statePath);
      const nlohmann::json saved = nlohmann::json::parse(stream);
      if (saved.at("settings").get<std::string>() != state.at("settings").get<std::string>())
      {
        // The message names the settings that differ, for example max_epochs after a change of --epochs.
        const auto before = nlohmann::json::parse(saved.at("settings").get<std::string>());
        const auto now = nlohmann::json::parse(state.at("settings").get<std::string>());
        std::string differing;
        for (const auto & [key, value] : now.items())
        {
          if (!before.contains(key) || before.at(key) != value)
          {
            differing += (differing.empty() ? "" : ", ") + key;
          }
        }
        for (const auto & [key, value] : before.items())
        {
          if (!now.contains(key))
          {
            differing += (differing.empty() ? "" : ", ") + key;
          }
        }
        throw std::invalid_argument("checkpoint folder " + checkpoints.string() +
                                    " holds a run with other settings or cases (different: " + differing +
                                    "); remove it or choose another folder");
      }
      state = saved;
      torch::load(network, networkPath.string(), m_Device);
      torch::load(optimizer, optimizerPath.string(), m_Device);
      say("resuming after epoch " + std::to_string(state.at("completed_epochs").get<int>()) + " from " +
          checkpoints.string());
    }
  }

  const int depth = m_Base.network.depth();
  const auto trainingCount = static_cast<int64_t>(m_TrainingSamples.size());
  const int64_t batches = (trainingCount + m_Options.batchSize - 1) / m_Options.batchSize;
  int epochsWithoutImprovement = 0;
  for (const auto & entry : state.at("history"))
  {
    epochsWithoutImprovement = entry.at("improved").get<bool>() ? 0 : epochsWithoutImprovement + 1;
  }

  for (int epoch = state.at("completed_epochs").get<int>() + 1;
       epoch <= m_Options.maxEpochs && epochsWithoutImprovement < m_Options.patience; ++epoch)
  {
    const auto epochStart = Clock::now();
    // Seeding per epoch makes a resumed run draw the same shuffles and augmentations as an uninterrupted one.
    torch::manual_seed(m_Options.seed * 1000003ULL + static_cast<uint64_t>(epoch));
    // The rate depends on the epoch alone, so a resumed run continues the schedule where it stopped.
    const double rate = learningRateAt(m_Options, epoch);
    for (auto & group : optimizer.param_groups())
    {
      static_cast<torch::optim::AdamOptions &>(group.options()).lr(rate);
    }
    network->train();
    const torch::Tensor order = torch::randperm(trainingCount, torch::kInt64);
    double lossSum = 0.0;

    for (int64_t batch = 0; batch < batches; ++batch)
    {
      const int64_t first = batch * m_Options.batchSize;
      const int64_t count = std::min(m_Options.batchSize, trainingCount - first);
      const torch::Tensor selected = order.narrow(0, first, count);
      const std::vector<int64_t> indices(selected.data_ptr<int64_t>(), selected.data_ptr<int64_t>() + count);
      torch::Tensor images;
      torch::Tensor labels;
      makeBatch(m_TrainingSamples, indices, true, images, labels);

      optimizer.zero_grad();
      const torch::Tensor loss = deepSupervisionLoss(network->forwardHeads(images.to(m_Device), depth), labels.to(m_Device));
      loss.backward();
      optimizer.step();

      lossSum += loss.item<double>();
      if (onProgress)
      {
        onProgress({ epoch, m_Options.maxEpochs, batch + 1, batches, lossSum / static_cast<double>(batch + 1),
                     secondsSince(epochStart) });
      }
    }

    EpochSummary summary;
    summary.epoch = epoch;
    summary.trainingLoss = lossSum / static_cast<double>(batches);
    summary.learningRate = rate;
    summary.validationLoss = validationLoss(network);
    summary.validationDice =
      validationDice(Model{ m_Base, network }, m_ValidationCases, depth, InferenceMode::Accurate, m_Options.device,
                     m_Options.threads);
    network->train();
    summary.improved = summary.validationLoss < state.at("best_validation_loss").get<double>() - ImprovementTolerance;
    summary.seconds = secondsSince(epochStart);
    epochsWithoutImprovement = summary.improved ? 0 : epochsWithoutImprovement + 1;

    if (summary.improved)
    {
      state["best_epoch"] = epoch;
      state["best_validation_loss"] = summary.validationLoss;
      if (!checkpoints.empty())
      {
        saveAtomically(network, bestPath);
      }
    }
    state["completed_epochs"] = epoch;
    state["seconds"] = state.at("seconds").get<double>() + summary.seconds;
    state["history"].push_back({ { "epoch", epoch },
                                 { "training_loss", summary.trainingLoss },
                                 { "validation_loss", summary.validationLoss },
                                 { "validation_dice", summary.validationDice },
                                 { "learning_rate", rate },
                                 { "seconds", summary.seconds },
                                 { "improved", summary.improved } });
    if (!checkpoints.empty())
    {
      saveAtomically(network, networkPath);
      saveAtomically(optimizer, optimizerPath);
      writeJsonAtomically(state, statePath);
    }
    if (onEpoch)
    {
      onEpoch(summary);
    }
  }

  m_CompletedEpochs = state.at("completed_epochs").get<int>();
  m_BestEpoch = state.at("best_epoch").get<int>();
  m_TrainingSeconds = state.at("seconds").get<double>();
  if (epochsWithoutImprovement >= m_Options.patience)
  {
    say("early stopping: no lower validation loss for " + std::to_string(m_Options.patience) + " epochs");
  }
  if (!checkpoints.empty() && std::filesystem::exists(bestPath))
  {
    torch::load(network, bestPath.string(), m_Device);
  }

  Model model{ m_Base, network };
  model.metadata.training["completed_epochs"] = m_CompletedEpochs;
  model.metadata.training["best_epoch"] = m_BestEpoch;
  model.metadata.training["seconds"] = m_TrainingSeconds;
  model.metadata.training["history"] = state.at("history");
  model.metadata.training["training_cases"] = m_TrainingCases.size();
  model.metadata.training["validation_cases"] = m_ValidationCases.size();
  network->to(torch::kCPU);
  network->eval();
  return model;
}

std::vector<double>
validationDice(const Model & model, const std::vector<TrainingCase> & cases, int level, InferenceMode mode,
               const std::string & device, int threads)
{
  InferenceOptions options;
  options.level = level;
  options.mode = mode;
  options.device = device;
  options.threads = threads;
  SegmentationEngine engine(model, options);
  const torch::Tensor labelValues = engine.labelValues().to(torch::kInt64);
  const size_t foregroundClasses = model.metadata.classes.size() - 1;

  std::vector<double> sums(foregroundClasses, 0.0);
  for (const auto & validationCase : cases)
  {
    const SegmentationResult result = engine.segment(validationCase.image, false);
    const torch::Tensor truth = labelValues.index({ validationCase.labels });
    for (size_t classIndex = 1; classIndex <= foregroundClasses; ++classIndex)
    {
      const int64_t label = labelValues[static_cast<int64_t>(classIndex)].item<int64_t>();
      sums[classIndex - 1] += diceScore(countOverlap(result.labels.to(torch::kInt64), truth, label));
    }
  }
  for (double & sum : sums)
  {
    sum /= static_cast<double>(std::max<size_t>(1, cases.size()));
  }
  return sums;
}

} // namespace unetpp

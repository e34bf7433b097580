#pragma once

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace unetpp
{

/** One training image with its ground truth. */
struct TrainingCase
{
  std::string name;
  torch::Tensor image;  ///< [channels, z, y, x], raw intensities (a 2D image has z = 1)
  torch::Tensor labels; ///< [z, y, x] int64 class indices 0..classes-1, in the model's class order
};

/** Settings of a training run that are not part of the model itself. */
struct TrainingOptions
{
  int maxEpochs = 100;
  int64_t batchSize = 16;
  double learningRate = 3e-4; ///< Adam, the UNet++ paper's learning rate
  /// Constant (the UNet++ paper's recipe) or cosine: the rate falls from learningRate at the first epoch to
  /// a hundredth of it at maxEpochs, following half a cosine period.
  std::string learningRateSchedule = "constant";
  uint64_t seed = 42;      ///< initial weights, shuffling and augmentation
  uint64_t splitSeed = 42; ///< training/validation split, kept apart so that several seeds share one split
  double validationFraction = 0.2;
  int patience = 10; ///< epochs without a lower validation loss before stopping
  bool flips = true;
  bool rotations = true;          ///< random multiples of 90 degrees; needs a square patch
  bool intensityJitter = true;    ///< random scale and shift of the normalised intensities
  std::string device = "auto";
  int threads = 0;
  std::string checkpointDirectory; ///< checkpoint after every epoch; resumed from when present
};

/** The learning rate of a 1-based epoch under the options' schedule. */
double
learningRateAt(const TrainingOptions & options, int epoch);

/** Reported during an epoch, after every batch. */
struct TrainingProgress
{
  int epoch = 0; ///< 1-based
  int maxEpochs = 0;
  int64_t batch = 0; ///< 1-based
  int64_t batches = 0;
  double meanLoss = 0.0;
  double epochSeconds = 0.0;
};

/** Reported after every epoch. */
struct EpochSummary
{
  int epoch = 0;
  double trainingLoss = 0.0;
  double validationLoss = 0.0;
  double learningRate = 0.0;
  std::vector<double> validationDice; ///< per foreground class, at the deepest level in accurate mode
  double seconds = 0.0;
  bool improved = false;
};

/**
 * Trains a UNet++ (or U-Net) on 2D slices with the deep supervision loss, Adam, augmentation, a validation
 * split by case, early stopping on the validation loss and a checkpoint after every epoch.
 */
class Trainer
{
public:
  std::function<void(const TrainingProgress &)> onProgress;
  std::function<void(const EpochSummary &)> onEpoch;
  std::function<void(const std::string &)> onMessage;

  /** `base` supplies the network settings, classes, intensity normalisation, slice axis and patch size. */
  Trainer(ModelMetadata base, TrainingOptions options);

  /** Splits the cases into training and validation sets by case, reproducibly for a given seed. */
  void setCases(std::vector<TrainingCase> cases);

  const std::vector<TrainingCase> & trainingCases() const { return m_TrainingCases; }
  const std::vector<TrainingCase> & validationCases() const { return m_ValidationCases; }

  /**
   * Trains until early stopping or the last epoch and returns the model of the epoch with the lowest
   * validation loss. When the checkpoint folder holds a run with the same settings, training resumes
   * after its last completed epoch.
   */
  Model train();

  /** Set by train(): epochs completed and the one whose weights were kept. */
  int completedEpochs() const { return m_CompletedEpochs; }
  int bestEpoch() const { return m_BestEpoch; }
  double trainingSeconds() const { return m_TrainingSeconds; }

private:
  struct SliceSample
  {
    torch::Tensor image;  ///< [channels, rows, columns], normalised, padded to at least the patch size
    torch::Tensor labels; ///< [rows, columns] int64
    torch::Tensor valid;  ///< [rows, columns] bool, false in the padding
  };

  std::vector<SliceSample> makeSamples(const std::vector<TrainingCase> & cases) const;
  void makeBatch(const std::vector<SliceSample> & samples, const std::vector<int64_t> & indices, bool augment,
                 torch::Tensor & images, torch::Tensor & labels);
  double validationLoss(UNetPlusPlus & network);
  std::string settingsFingerprint() const;

  ModelMetadata m_Base;
  TrainingOptions m_Options;
  std::vector<TrainingCase> m_TrainingCases;
  std::vector<TrainingCase> m_ValidationCases;
  std::vector<SliceSample> m_TrainingSamples;
  std::vector<SliceSample> m_ValidationSamples;
  torch::Device m_Device{ torch::kCPU };
  int m_CompletedEpochs = 0;
  int m_BestEpoch = 0;
  double m_TrainingSeconds = 0.0;
};

/**
 * Dice per foreground class on the given cases, segmenting each whole case with SegmentationEngine at a
 * pruning level and mode (so exactly as `unetpp segment` would) and averaging over cases.
 */
std::vector<double> validationDice(const Model & model, const std::vector<TrainingCase> & cases, int level,
                                   InferenceMode mode, const std::string & device = "auto", int threads = 0);

} // namespace unetpp

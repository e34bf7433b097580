#include "CommandLine.h"
#include "Commands.h"
#include "ProgressBar.h"
#include "TrainingData.h"

#include "unetpp/ModelFile.h"
#include "unetpp/Trainer.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace unetpp
{

namespace
{

std::vector<int64_t>
parseIntegerList(const std::string & text, const std::string & option)
{
  std::vector<int64_t> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
  {
    try
    {
      values.push_back(std::stoll(item));
    }
    catch (const std::exception &)
    {
      throw UsageError("option --" + option + " expects comma-separated integers, got '" + text + "'");
    }
  }
  return values;
}

std::array<int64_t, 2>
parsePatchSize(const std::string & text)
{
  const auto separator = text.find('x');
  try
  {
    if (separator == std::string::npos)
    {
      const int64_t size = std::stoll(text);
      return { size, size };
    }
    return { std::stoll(text.substr(0, separator)), std::stoll(text.substr(separator + 1)) };
  }
  catch (const std::exception &)
  {
    throw UsageError("option --patch expects ROWSxCOLUMNS or one size, got '" + text + "'");
  }
}

std::vector<ClassInfo>
classesFromNames(const std::string & names)
{
  // Colours of the first classes, chosen to stand out from each other on a grey image.
  const std::vector<std::array<int, 3>> palette{ { 0, 0, 0 },     { 230, 25, 75 }, { 60, 180, 75 },
                                                 { 0, 130, 200 }, { 245, 130, 48 }, { 145, 30, 180 } };
  std::vector<ClassInfo> classes;
  std::stringstream stream(names);
  std::string name;
  while (std::getline(stream, name, ','))
  {
    ClassInfo info;
    info.name = name;
    info.labelValue = static_cast<int>(classes.size());
    info.color = palette[classes.size() % palette.size()];
    classes.push_back(info);
  }
  return classes;
}

std::string
joinArguments(const std::vector<std::string> & arguments)
{
  std::string joined = "unetpp train";
  for (const auto & argument : arguments)
  {
    joined += " " + argument;
  }
  return joined;
}

std::string
formatDice(const std::vector<double> & dice)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(4);
  for (size_t index = 0; index < dice.size(); ++index)
  {
    text << (index == 0 ? "" : " ") << dice[index];
  }
  return text.str();
}

} // namespace

int
runTrainCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine("train", "Train a UNet++ (or U-Net) on 2D slices of a folder of image/label pairs "
                                   "(Decathlon imagesTr/labelsTr NIfTI, or images/ with masks/ PNG) and write a model file.");
  commandLine.addOption("data", "DIR", "folder with the image/label pairs");
  commandLine.addOption("output", "FILE", "model file to write");
  commandLine.addOption("classes", "NAMES", "comma-separated class names, background first; label values 0, 1, ...",
                        "background,foreground");
  commandLine.addOption("classes-json", "FILE", "class list with label values, colours and codes (overrides --classes)");
  commandLine.addOption("architecture", "NAME", "unetplusplus or unet (Wide U-Net is unet with wider --filters)",
                        "unetplusplus");
  commandLine.addOption("filters", "LIST", "filters per level; the depth is the count minus one", "32,64,128,256,512");
  commandLine.addOption("normalization", "NAME", "none (as in the UNet++ paper), batch or instance", "none");
  commandLine.addFlag("no-deep-supervision", "train a single head on x(0,depth) instead of one head per column");
  commandLine.addOption("slice-axis", "AXIS", "ITK index axis that volumes are cut along: 0, 1 or 2", "2");
  commandLine.addOption("patch", "ROWSxCOLUMNS", "training patch size in pixels, multiples of 2^depth", "64x64");
  commandLine.addOption("intensity", "METHOD", "zscore (per image) or scale:FACTOR (for example scale:0.00392 for 8-bit)",
                        "zscore");
  commandLine.addOption("epochs", "N", "maximum number of epochs", "100");
  commandLine.addOption("batch-size", "N", "slices per optimiser step", "16");
  commandLine.addOption("learning-rate", "RATE", "Adam learning rate", "0.0003");
  commandLine.addOption("learning-rate-schedule", "NAME",
                        "constant (the UNet++ paper's recipe) or cosine (falls to a hundredth of RATE at the last epoch; "
                        "the checkpoints then hold only runs with the same --epochs)",
                        "constant");
  commandLine.addOption("seed", "N", "seed of the initial weights, the shuffling and the augmentation", "42");
  commandLine.addOption("split-seed", "N", "seed of the training/validation split (several --seed runs can share one split)",
                        "42");
  commandLine.addOption("validation-fraction", "F", "fraction of the cases held out for validation", "0.2");
  commandLine.addOption("patience", "N", "stop after this many epochs without a lower validation loss", "10");
  commandLine.addOption("augment", "LIST", "comma-separated: flips, rotations, intensity; or none",
                        "flips,rotations,intensity");
  commandLine.addOption("max-cases", "N", "use only the first N pairs (0: all), for quick trials", "0");
  commandLine.addOption("checkpoints", "DIR", "checkpoint folder, resumed from when present (default: OUTPUT.checkpoints)");
  commandLine.addOption("device", "DEVICE", "auto, cpu or cuda", "auto");
  commandLine.addOption("threads", "N", "CPU threads (0: every core)", "0");
  commandLine.addOption("name", "TEXT", "model name stored in the file", "unetpp-model");
  commandLine.addOption("description", "TEXT", "model description stored in the file", "");
  commandLine.addOption("training-data", "TEXT", "name of the training data set, stored in the file", "");
  commandLine.addOption("license", "TEXT", "license of the training data, stored in the file", "");
  commandLine.addOption("modalities", "LIST", "DICOM modalities the model is made for, comma-separated (for example MR)", "");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }

  ModelMetadata metadata;
  metadata.name = commandLine.value("name");
  metadata.description = commandLine.value("description");
  metadata.trainingData = commandLine.value("training-data");
  metadata.trainingDataLicense = commandLine.value("license");
  metadata.modalities = splitList(commandLine.value("modalities"));
  metadata.classes = commandLine.has("classes-json") ? readClassesFile(commandLine.value("classes-json"))
                                                     : classesFromNames(commandLine.value("classes"));
  metadata.network.architecture = architectureFromString(commandLine.value("architecture"));
  metadata.network.filters = parseIntegerList(commandLine.value("filters"), "filters");
  metadata.network.normalization = normalizationFromString(commandLine.value("normalization"));
  metadata.network.deepSupervision = !commandLine.flag("no-deep-supervision");
  metadata.network.outputChannels = metadata.classes.size() == 2 ? 1 : static_cast<int64_t>(metadata.classes.size());
  metadata.sliceAxis = commandLine.integer("slice-axis");
  metadata.patchSize = parsePatchSize(commandLine.value("patch"));
  const std::string intensity = commandLine.value("intensity");
  if (intensity.rfind("scale:", 0) == 0)
  {
    metadata.intensity.method = "scale";
    metadata.intensity.scale = std::stod(intensity.substr(6));
  }
  else if (intensity != "zscore")
  {
    throw UsageError("option --intensity expects zscore or scale:FACTOR, got '" + intensity + "'");
  }

  TrainingOptions options;
  options.maxEpochs = commandLine.integer("epochs");
  options.batchSize = commandLine.integer("batch-size");
  options.learningRate = commandLine.number("learning-rate");
  options.learningRateSchedule = commandLine.value("learning-rate-schedule");
  if (options.learningRateSchedule != "constant" && options.learningRateSchedule != "cosine")
  {
    throw UsageError("option --learning-rate-schedule expects constant or cosine, got '" +
                     options.learningRateSchedule + "'");
  }
  options.seed = static_cast<uint64_t>(commandLine.integer("seed"));
  options.splitSeed = static_cast<uint64_t>(commandLine.integer("split-seed"));
  options.validationFraction = commandLine.number("validation-fraction");
  options.patience = commandLine.integer("patience");
  const std::string augment = commandLine.value("augment");
  options.flips = augment.find("flips") != std::string::npos;
  options.rotations = augment.find("rotations") != std::string::npos;
  options.intensityJitter = augment.find("intensity") != std::string::npos;
  options.device = commandLine.value("device");
  options.threads = commandLine.integer("threads");
  const std::string output = commandLine.value("output");
  options.checkpointDirectory = commandLine.optionalValue("checkpoints").value_or(output + ".checkpoints");

  // Read the data before training starts, so that a bad file fails in seconds, not after an epoch.
  auto pairs = findImageLabelPairs(commandLine.value("data"));
  const auto maxCases = static_cast<size_t>(commandLine.integer("max-cases"));
  if (maxCases > 0 && pairs.size() > maxCases)
  {
    pairs.resize(maxCases);
  }
  // Every volume is presented in the orientation of the first one, which the model records.
  const ImageGeometry reference = readGeometry(pairs.front().imagePath);
  metadata.trainingSpacing = reference.spacing;
  metadata.network.inputChannels = reference.components;
  if (reference.dimension == 3)
  {
    metadata.trainingDirection = reference.direction;
  }
  std::vector<TrainingCase> cases;
  ProgressBar reading(std::cerr, "reading " + std::to_string(pairs.size()) + " cases", standardErrorIsTerminal());
  for (size_t index = 0; index < pairs.size(); ++index)
  {
    cases.push_back(readTrainingCase(pairs[index], metadata.classes, metadata.trainingDirection));
    reading.update(static_cast<double>(index + 1) / static_cast<double>(pairs.size()));
  }
  reading.finish();
  metadata.training["command"] = joinArguments(arguments);
  metadata.training["learning_rate"] = options.learningRate;
  metadata.training["learning_rate_schedule"] = options.learningRateSchedule;
  metadata.training["batch_size"] = options.batchSize;
  metadata.training["seed"] = options.seed;
  metadata.training["split_seed"] = options.splitSeed;
  metadata.training["augmentation"] = augment;

  Trainer trainer(metadata, options);
  trainer.setCases(std::move(cases));
  std::cerr << "training on " << trainer.trainingCases().size() << " cases, validating on "
            << trainer.validationCases().size() << "; checkpoints in " << options.checkpointDirectory << '\n';

  std::unique_ptr<ProgressBar> bar;
  trainer.onMessage = [](const std::string & message) { std::cerr << message << '\n'; };
  trainer.onProgress = [&](const TrainingProgress & progress) {
    if (progress.batch == 1)
    {
      bar = std::make_unique<ProgressBar>(std::cerr,
                                          "epoch " + std::to_string(progress.epoch) + "/" + std::to_string(progress.maxEpochs),
                                          standardErrorIsTerminal());
    }
    std::ostringstream status;
    status << "loss " << std::fixed << std::setprecision(4) << progress.meanLoss;
    bar->update(static_cast<double>(progress.batch) / static_cast<double>(progress.batches), status.str());
  };
  trainer.onEpoch = [&](const EpochSummary & summary) {
    if (bar)
    {
      bar->finish();
    }
    std::cerr << "epoch " << summary.epoch << ": training loss " << std::fixed << std::setprecision(4)
              << summary.trainingLoss << ", validation loss " << summary.validationLoss << ", validation Dice "
              << formatDice(summary.validationDice) << ", learning rate " << std::scientific << std::setprecision(2)
              << summary.learningRate << std::defaultfloat << ", " << ProgressBar::formatDuration(summary.seconds)
              << (summary.improved ? " (best so far)" : "") << '\n';
  };

  Model model = trainer.train();

  // Score the kept weights at every pruning level in both modes, as the model card reports them.
  nlohmann::json metrics = nlohmann::json::object();
  for (const int level : model.network->supportedLevels())
  {
    for (const auto mode : { InferenceMode::Accurate, InferenceMode::Fast })
    {
      const auto dice = validationDice(model, trainer.validationCases(), level, mode, options.device, options.threads);
      metrics["L" + std::to_string(level) + "_" + toString(mode)] = dice;
      std::cerr << "validation Dice at L" << level << " " << toString(mode) << ": " << formatDice(dice) << '\n';
    }
  }
  model.metadata.validationMetrics = { { "dice_per_foreground_class", metrics },
                                       { "validation_cases", trainer.validationCases().size() } };
  nlohmann::json validationNames = nlohmann::json::array();
  for (const auto & validationCase : trainer.validationCases())
  {
    validationNames.push_back(validationCase.name);
  }
  model.metadata.training["validation_case_names"] = validationNames;

  saveModel(output, model.metadata, model.network);
  std::cerr << "wrote " << output << " (best epoch " << trainer.bestEpoch() << " of " << trainer.completedEpochs()
            << ", " << ProgressBar::formatDuration(trainer.trainingSeconds()) << " of training)\n";
  return 0;
}

} // namespace unetpp

#include "CommandLine.h"
#include "InferenceCommandLine.h"
#include "Commands.h"
#include "EvaluateInputs.h"
#include "EvaluateReport.h"
#include "ImageTensor.h"
#include "ProgressBar.h"
#include "TrainingData.h"

#include "unetpp/ModelFile.h"
#include "unetpp/SegmentationEngine.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

namespace unetpp
{

namespace
{

/** File name without its extensions: "hippocampus_001.nii.gz" gives "hippocampus_001". */
std::string
stemOf(const std::string & name)
{
  return name.substr(0, name.find('.'));
}

std::vector<ReportedClass>
foregroundClasses(const std::vector<ClassInfo> & classes)
{
  std::vector<ReportedClass> reported;
  for (size_t index = 1; index < classes.size(); ++index)
  {
    reported.push_back({ classes[index].labelValue, classes[index].name });
  }
  return reported;
}

std::vector<int>
labelValuesOf(const std::vector<ReportedClass> & classes)
{
  std::vector<int> values;
  for (const auto & info : classes)
  {
    values.push_back(info.labelValue);
  }
  return values;
}

/** Non-zero label values found in either tensor, for evaluations without a class list. */
std::vector<int>
foundForegroundLabels(const torch::Tensor & prediction, const torch::Tensor & truth)
{
  const torch::Tensor values = std::get<0>(torch::_unique(torch::cat({ prediction.flatten(), truth.flatten() })));
  std::vector<int> labels;
  for (int64_t index = 0; index < values.numel(); ++index)
  {
    const auto value = static_cast<int>(values[index].item<int64_t>());
    if (value != 0)
    {
      labels.push_back(value);
    }
  }
  return labels;
}

void
reportSkipped(EvaluationReport & report, const std::string & name, const std::string & reason)
{
  report.skipped.push_back({ name, reason });
}

/** Scores every prediction file against the ground-truth file of the same name. */
void
evaluatePredictionFiles(const CommandLine & commandLine, EvaluationReport & report)
{
  const std::string predictionsFolder = commandLine.value("predictions");
  const std::string truthFolder = commandLine.value("truth");
  std::vector<ClassInfo> classes;
  report.settings["source"] = "prediction files";
  report.settings["predictions"] = predictionsFolder;
  report.settings["truth"] = truthFolder;
  if (commandLine.has("model"))
  {
    classes = readModelMetadata(commandLine.value("model")).classes;
    report.settings["classes_from_model"] = commandLine.value("model");
  }

  const PairedFiles paired = pairPredictionsWithTruth(predictionsFolder, truthFolder);
  for (const auto & unpaired : paired.unpaired)
  {
    reportSkipped(report, unpaired.name, unpaired.reason);
  }

  const int foregroundLabel = classes.size() == 2 ? classes[1].labelValue : 1;
  std::set<int> labelsFound;
  PaperMeanIou paper;
  std::string paperUnavailable;
  for (const auto & pair : paired.pairs)
  {
    try
    {
      const LoadedImage predictionImage = readImageTensor(pair.predictionPath);
      const LoadedImage truthImage = readImageTensor(pair.truthPath);
      const std::string difference = describeGeometryDifference(predictionImage, truthImage);
      if (!difference.empty())
      {
        throw std::invalid_argument(difference);
      }
      const PredictionImage prediction = readPrediction(predictionImage, pair.predictionPath, classes);
      const torch::Tensor truth = readLabelValues(truthImage, pair.truthPath, classes);
      const std::vector<int> labels =
        classes.empty() ? foundForegroundLabels(prediction.labels, truth) : labelValuesOf(foregroundClasses(classes));
      report.cases.push_back(countCaseOverlap(pair.name, prediction.labels, truth, labels));
      labelsFound.insert(labels.begin(), labels.end());

      if (!prediction.foregroundProbability.defined())
      {
        paperUnavailable = prediction.probabilities
                             ? "it is defined for binary segmentation, and " + pair.name + " has more than two class probabilities"
                             : "it needs foreground probabilities, and " + pair.name + " is a labelmap";
      }
      else if (paperUnavailable.empty())
      {
        paper.add(prediction.foregroundProbability, truth.eq(foregroundLabel));
      }
    }
    catch (const std::exception & error)
    {
      reportSkipped(report, pair.name, error.what());
    }
  }

  if (classes.empty())
  {
    for (const int value : labelsFound)
    {
      report.classes.push_back({ value, "label " + std::to_string(value) });
    }
  }
  else
  {
    report.classes = foregroundClasses(classes);
  }
  if (paperUnavailable.empty() && report.classes.size() > 1)
  {
    paperUnavailable = "it is defined for binary segmentation, and the labelmaps have " +
                       std::to_string(report.classes.size()) + " foreground labels";
  }
  if (paperUnavailable.empty() && paper.imageCount() == 0)
  {
    paperUnavailable = "no case was evaluated";
  }
  if (paperUnavailable.empty())
  {
    report.paperMeanIou = paper;
  }
  report.paperMeanIouUnavailableReason = paperUnavailable;
}

/** The pairs that --cases or --cases-from-model select; requested names that are absent become skipped cases. */
std::vector<ImageLabelPair>
selectCases(const CommandLine & commandLine, const ModelMetadata & metadata, std::vector<ImageLabelPair> pairs,
            EvaluationReport & report)
{
  std::vector<std::string> requested;
  if (commandLine.has("cases"))
  {
    requested = splitList(commandLine.value("cases"));
  }
  else if (commandLine.flag("cases-from-model"))
  {
    const auto found = metadata.training.find("validation_case_names");
    if (found == metadata.training.end() || !found->is_array())
    {
      throw std::invalid_argument("model " + commandLine.value("model") +
                                  " lists no validation cases (training.validation_case_names); use --cases instead");
    }
    requested = found->get<std::vector<std::string>>();
  }
  else
  {
    return pairs;
  }

  std::vector<ImageLabelPair> selected;
  for (const auto & name : requested)
  {
    const auto match = std::find_if(pairs.begin(), pairs.end(), [&](const ImageLabelPair & pair) {
      return pair.name == name || stemOf(pair.name) == name;
    });
    if (match == pairs.end())
    {
      reportSkipped(report, name, "no image with this name and a label file in " + commandLine.value("data"));
      continue;
    }
    selected.push_back(*match);
  }
  return selected;
}

/** Segments each image of a data folder with the model and scores the labelmap against the image's label file. */
void
evaluateModel(const CommandLine & commandLine, EvaluationReport & report)
{
  const std::string modelPath = commandLine.value("model");
  const std::string dataFolder = commandLine.value("data");
  Model model = loadModel(modelPath);
  const std::vector<ClassInfo> classes = model.metadata.classes;
  const InferenceOptions options = inferenceOptionsFrom(commandLine, model);
  const auto pairs = selectCases(commandLine, model.metadata, findImageLabelPairs(dataFolder), report);
  report.classes = foregroundClasses(classes);

  SegmentationEngine engine(std::move(model), options);
  report.settings = { { "source", "model" },
                      { "model", modelPath },
                      { "model_name", engine.metadata().name },
                      { "data", dataFolder },
                      { "level", options.level },
                      { "mode", toString(options.mode) },
                      { "tta", options.mirroring },
                      { "device", engine.device().str() },
                      { "threads", engine.threads() } };
  std::cout << "evaluating " << pairs.size() << " case(s) of " << dataFolder << " with " << modelPath
            << ", pruning level " << options.level << ", " << toString(options.mode) << " mode"
            << (options.mirroring ? " with mirroring (test-time augmentation)" : "") << ", device "
            << engine.device().str() << ", " << engine.threads() << " thread(s)\n";

  const bool binary = classes.size() == 2;
  const std::vector<int> labels = labelValuesOf(report.classes);
  PaperMeanIou paper;
  ProgressBar bar(std::cerr, "evaluating", standardErrorIsTerminal());
  for (size_t index = 0; index < pairs.size(); ++index)
  {
    const ImageLabelPair & pair = pairs[index];
    try
    {
      const LoadedImage image = readImageTensor(pair.imagePath);
      const LoadedImage truthImage = readImageTensor(pair.labelPath);
      const std::string difference = describeGeometryDifference(image, truthImage);
      if (!difference.empty())
      {
        throw std::invalid_argument("label file and image differ: " + difference);
      }
      const torch::Tensor truth = readLabelValues(truthImage, pair.labelPath, classes);
      engine.checkImage(image.tensor);
      const SegmentationResult result = engine.segment(image.tensor, binary, {}, directionOf(image.image));
      report.cases.push_back(countCaseOverlap(pair.name, result.labels, truth, labels));
      if (binary)
      {
        paper.add(result.probabilities[1], truth.eq(classes[1].labelValue));
      }
    }
    catch (const std::exception & error)
    {
      reportSkipped(report, pair.name, error.what());
    }
    bar.update(static_cast<double>(index + 1) / static_cast<double>(pairs.size()));
  }
  bar.finish();

  if (!binary)
  {
    report.paperMeanIouUnavailableReason = "it is defined for binary segmentation, and the model has " +
                                           std::to_string(classes.size() - 1) + " foreground classes";
  }
  else if (paper.imageCount() == 0)
  {
    report.paperMeanIouUnavailableReason = "no case was evaluated";
  }
  else
  {
    report.paperMeanIou = paper;
  }
}

void
checkOptionCombination(const CommandLine & commandLine)
{
  const bool fromData = commandLine.has("data");
  const bool fromPredictions = commandLine.has("predictions") || commandLine.has("truth");
  if (fromData == fromPredictions)
  {
    throw UsageError("give either --predictions with --truth, or --model with --data");
  }
  if (fromData && !commandLine.has("model"))
  {
    throw UsageError("--data needs --model, the model whose predictions are evaluated");
  }
  if (!fromData)
  {
    for (const char * option : { "cases", "cases-from-model", "level", "mode", "device", "threads", "tta" })
    {
      if (commandLine.has(option))
      {
        throw UsageError(std::string("--") + option + " applies only to --model with --data");
      }
    }
  }
  if (commandLine.has("cases") && commandLine.flag("cases-from-model"))
  {
    throw UsageError("give --cases or --cases-from-model, not both");
  }
}

} // namespace

int
runEvaluateCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine(
    "evaluate", "Compare predicted labelmaps with ground truth: Dice and IoU per foreground class, per case and as "
                "mean with standard deviation, and the thresholded mean IoU that the UNet++ paper reports.");
  commandLine.addOption("predictions", "DIR", "folder of predicted labelmaps or probability images (float, 0..1)");
  commandLine.addOption("truth", "DIR", "folder of ground-truth labelmaps with the same file names (or a data set root "
                                        "with labelsTr/, masks/ or labels/)");
  commandLine.addOption("model", "FILE", "model to run on --data; with --predictions it only supplies the class list");
  commandLine.addOption("data", "DIR", "image/label pairs to segment and score: imagesTr/ with labelsTr/, or images/ "
                                       "with masks/ or labels/");
  commandLine.addOption("cases", "A,B,...", "score only these cases of --data (file names, with or without extension)");
  commandLine.addFlag("cases-from-model", "score only the validation cases that the model file lists");
  addLevelAndModeOptions(commandLine);
  addDeviceOptions(commandLine);
  commandLine.addOption("csv", "FILE", "write one row per case and foreground class");
  commandLine.addOption("json", "FILE", "write the whole report as JSON");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }
  checkOptionCombination(commandLine);

  EvaluationReport report;
  if (commandLine.has("data"))
  {
    evaluateModel(commandLine, report);
  }
  else
  {
    evaluatePredictionFiles(commandLine, report);
  }

  printReport(std::cout, report);
  if (const auto csv = commandLine.optionalValue("csv"))
  {
    writeCsvReport(*csv, report);
    std::cout << "wrote " << *csv << '\n';
  }
  if (const auto json = commandLine.optionalValue("json"))
  {
    writeJsonReport(*json, report);
    std::cout << "wrote " << *json << '\n';
  }
  if (!report.skipped.empty())
  {
    std::cerr << "unetpp evaluate: " << report.skipped.size() << " case(s) skipped, see the list above\n";
    return 1;
  }
  return 0;
}

} // namespace unetpp

#include "EvaluateReport.h"

#include "CsvField.h"

#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace unetpp
{

const char * const EmptyMaskConvention =
  "a class absent from both the prediction and the ground truth of a case scores Dice = IoU = 1; "
  "absent from only one of them, 0";
const char * const BinaryMaskConvention =
  "for a binary task (a model with two classes, or no model), a mask with values in 0..255 and a maximum of 255 "
  "is a 0/255 mask and is thresholded at 128";

namespace
{

std::string
fixed(double value, int digits = 4)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

std::ofstream
openForWriting(const std::string & path)
{
  std::ofstream stream(path);
  if (!stream)
  {
    throw std::runtime_error("cannot write " + path + "; check that its folder exists and is writable");
  }
  return stream;
}

void
printPaperMeanIou(std::ostream & stream, const EvaluationReport & report)
{
  if (!report.paperMeanIou)
  {
    stream << "paper_mean_iou: not available (" << report.paperMeanIouUnavailableReason << ")\n";
    return;
  }
  const PaperMeanIou & paper = *report.paperMeanIou;
  stream << "paper_mean_iou: " << fixed(paper.value()) << " (two-class mean IoU from confusion counts summed over "
         << paper.imageCount() << " image(s), averaged over thresholds 0.50..0.95)\n  per threshold:";
  const auto perThreshold = paper.meanIouPerThreshold();
  for (size_t index = 0; index < PaperMeanIou::ThresholdCount; ++index)
  {
    stream << ' ' << fixed(PaperMeanIou::threshold(index), 2) << '=' << fixed(perThreshold[index]);
  }
  stream << '\n';
}

} // namespace

void
printReport(std::ostream & stream, const EvaluationReport & report)
{
  stream << "case";
  for (const auto & info : report.classes)
  {
    stream << "\tDice " << info.labelValue << "\tIoU " << info.labelValue;
  }
  stream << '\n';
  for (const auto & overlap : report.cases)
  {
    stream << overlap.name;
    for (const auto & info : report.classes)
    {
      const ClassScore score = scoreClass(overlap, info.labelValue);
      stream << '\t' << fixed(score.dice) << '\t' << fixed(score.iou) << (score.emptyInBoth ? " (empty in both)" : "");
    }
    stream << '\n';
  }

  stream << "\nsummary over " << report.cases.size() << " case(s), mean ± standard deviation (population):\n";
  for (const auto & info : report.classes)
  {
    const ClassSummary summary = summarizeClass(report.cases, info.labelValue);
    stream << "  label " << info.labelValue << " (" << info.name << "): Dice " << fixed(summary.meanDice) << " ± "
           << fixed(summary.standardDeviationDice) << ", IoU " << fixed(summary.meanIou) << " ± "
           << fixed(summary.standardDeviationIou);
    if (summary.emptyInBothCases > 0)
    {
      stream << " (" << summary.emptyInBothCases << " case(s) empty in both)";
    }
    stream << '\n';
  }
  stream << "empty masks: " << EmptyMaskConvention << '\n' << "binary masks: " << BinaryMaskConvention << '\n';
  printPaperMeanIou(stream, report);

  if (!report.skipped.empty())
  {
    stream << '\n' << report.skipped.size() << " case(s) skipped:\n";
    for (const auto & skipped : report.skipped)
    {
      stream << "  " << skipped.name << ": " << skipped.reason << '\n';
    }
  }
}

void
writeCsvReport(const std::string & path, const EvaluationReport & report)
{
  std::ofstream stream = openForWriting(path);
  stream << "case,label_value,class,dice,iou,true_positives,false_positives,false_negatives,empty_in_both\n";
  stream << std::setprecision(17);
  for (const auto & overlap : report.cases)
  {
    for (const auto & info : report.classes)
    {
      const ClassScore score = scoreClass(overlap, info.labelValue);
      stream << csvField(overlap.name) << ',' << info.labelValue << ',' << csvField(info.name) << ',' << score.dice << ','
             << score.iou << ',' << score.counts.truePositives << ',' << score.counts.falsePositives << ','
             << score.counts.falseNegatives << ',' << (score.emptyInBoth ? "true" : "false") << '\n';
    }
  }
  if (!stream.flush())
  {
    throw std::runtime_error("writing " + path + " failed");
  }
}

nlohmann::json
toJson(const EvaluationReport & report)
{
  nlohmann::json json;
  json["settings"] = report.settings;
  json["empty_mask_convention"] = EmptyMaskConvention;
  json["binary_mask_convention"] = BinaryMaskConvention;
  json["standard_deviation"] = "population (divided by the number of cases)";

  nlohmann::json classes = nlohmann::json::array();
  for (const auto & info : report.classes)
  {
    classes.push_back({ { "label_value", info.labelValue }, { "name", info.name } });
  }
  json["classes"] = classes;

  nlohmann::json cases = nlohmann::json::array();
  for (const auto & overlap : report.cases)
  {
    nlohmann::json scores = nlohmann::json::array();
    for (const auto & info : report.classes)
    {
      const ClassScore score = scoreClass(overlap, info.labelValue);
      scores.push_back({ { "label_value", info.labelValue },
                         { "dice", score.dice },
                         { "iou", score.iou },
                         { "true_positives", score.counts.truePositives },
                         { "false_positives", score.counts.falsePositives },
                         { "false_negatives", score.counts.falseNegatives },
                         { "empty_in_both", score.emptyInBoth } });
    }
    cases.push_back({ { "name", overlap.name }, { "classes", scores } });
  }
  json["cases"] = cases;

  nlohmann::json summary = nlohmann::json::array();
  for (const auto & info : report.classes)
  {
    const ClassSummary classSummary = summarizeClass(report.cases, info.labelValue);
    summary.push_back({ { "label_value", info.labelValue },
                        { "name", info.name },
                        { "cases", classSummary.cases },
                        { "empty_in_both_cases", classSummary.emptyInBothCases },
                        { "dice_mean", classSummary.meanDice },
                        { "dice_standard_deviation", classSummary.standardDeviationDice },
                        { "iou_mean", classSummary.meanIou },
                        { "iou_standard_deviation", classSummary.standardDeviationIou } });
  }
  json["summary"] = summary;

  nlohmann::json paper;
  paper["definition"] = "for each threshold t in 0.50, 0.55, ..., 0.95: foreground where p > t, confusion counts of "
                        "background and foreground summed over every evaluated image, IoU of each class from the "
                        "sums, mean of the two; then the mean over the 10 thresholds";
  paper["available"] = report.paperMeanIou.has_value();
  if (report.paperMeanIou)
  {
    paper["value"] = report.paperMeanIou->value();
    paper["images"] = report.paperMeanIou->imageCount();
    nlohmann::json thresholds = nlohmann::json::array();
    const auto perThreshold = report.paperMeanIou->meanIouPerThreshold();
    for (size_t index = 0; index < PaperMeanIou::ThresholdCount; ++index)
    {
      thresholds.push_back({ { "threshold", PaperMeanIou::threshold(index) }, { "mean_iou", perThreshold[index] } });
    }
    paper["per_threshold"] = thresholds;
  }
  else
  {
    paper["value"] = nullptr;
    paper["reason"] = report.paperMeanIouUnavailableReason;
  }
  json["paper_mean_iou"] = paper;

  nlohmann::json skipped = nlohmann::json::array();
  for (const auto & entry : report.skipped)
  {
    skipped.push_back({ { "name", entry.name }, { "reason", entry.reason } });
  }
  json["evaluated_cases"] = report.cases.size();
  json["skipped_cases"] = skipped;
  return json;
}

void
writeJsonReport(const std::string & path, const EvaluationReport & report)
{
  std::ofstream stream = openForWriting(path);
  stream << toJson(report).dump(2) << '\n';
  if (!stream.flush())
  {
    throw std::runtime_error("writing " + path + " failed");
  }
}

} // namespace unetpp

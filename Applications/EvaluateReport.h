#pragma once

#include "EvaluateInputs.h"
#include "EvaluateScores.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace unetpp
{

/** Conventions for empty masks and for 0/255 masks, stated in every report. */
extern const char * const EmptyMaskConvention;
extern const char * const BinaryMaskConvention;

/** A foreground class as the report names it. */
struct ReportedClass
{
  int labelValue = 0;
  std::string name;
};

/** Everything `unetpp evaluate` reports. */
struct EvaluationReport
{
  nlohmann::json settings = nlohmann::json::object(); ///< where the predictions came from: model, level, mode, folders
  std::vector<ReportedClass> classes;                 ///< foreground classes, by label value
  std::vector<CaseOverlap> cases;                     ///< evaluated cases in evaluation order
  std::vector<SkippedCase> skipped;
  std::optional<PaperMeanIou> paperMeanIou;   ///< present when every evaluated case had binary probabilities
  std::string paperMeanIouUnavailableReason; ///< why paperMeanIou is absent
};

/** Prints the per-case scores, the summary and the skipped cases as text tables. */
void printReport(std::ostream & stream, const EvaluationReport & report);

/** One row per evaluated case and foreground class: case, label value, class, Dice, IoU and the pixel counts. */
void writeCsvReport(const std::string & path, const EvaluationReport & report);

nlohmann::json toJson(const EvaluationReport & report);

/** Writes toJson(report) to a file; throws std::runtime_error naming the file when it cannot be written. */
void writeJsonReport(const std::string & path, const EvaluationReport & report);

} // namespace unetpp

#include "BenchmarkMemory.h"
#include "CommandLine.h"
#include "InferenceCommandLine.h"
#include "Commands.h"
#include "DefaultModel.h"
#include "EvaluateInputs.h"
#include "InputVolume.h"

#include "unetpp/ModelFile.h"
#include "unetpp/SegmentationEngine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

namespace unetpp
{

namespace
{

/** An image or volume to time, read once before any timing. */
struct BenchmarkInput
{
  std::string name;
  LoadedImage loaded;
  int64_t slices = 1;
};

/** Timings of one pruning level and inference mode. */
struct BenchmarkRow
{
  int level = 0;
  InferenceMode mode = InferenceMode::Accurate;
  int64_t parameters = 0;
  std::vector<double> seconds; ///< one sample per image per run
  double totalSlices = 0.0;    ///< slices segmented in the timed runs
  PeakMemory peakMemory;
};

/** Linear interpolation between the closest ranks of sorted samples, for `fraction` in 0..1. */
double
quantile(const std::vector<double> & sorted, double fraction)
{
  const double position = fraction * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<size_t>(position);
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  return sorted[lower] + (position - static_cast<double>(lower)) * (sorted[upper] - sorted[lower]);
}

/** Summary statistics of a row's per-image times. */
struct TimingSummary
{
  double median = 0.0;
  double firstQuartile = 0.0;
  double thirdQuartile = 0.0;
  double minimum = 0.0;
  double maximum = 0.0;
  double imagesPerSecond = 0.0;
  double slicesPerSecond = 0.0;
};

TimingSummary
summarize(const BenchmarkRow & row)
{
  std::vector<double> sorted = row.seconds;
  std::sort(sorted.begin(), sorted.end());
  const double total = std::accumulate(sorted.begin(), sorted.end(), 0.0);
  TimingSummary summary;
  summary.median = quantile(sorted, 0.5);
  summary.firstQuartile = quantile(sorted, 0.25);
  summary.thirdQuartile = quantile(sorted, 0.75);
  summary.minimum = sorted.front();
  summary.maximum = sorted.back();
  summary.imagesPerSecond = static_cast<double>(sorted.size()) / total;
  summary.slicesPerSecond = row.totalSlices / total;
  return summary;
}

std::vector<int>
parseLevels(const CommandLine & commandLine, const UNetPlusPlus & network)
{
  const std::vector<int> supported = network->supportedLevels();
  if (!commandLine.has("levels"))
  {
    return supported;
  }
  std::string supportedText;
  for (const int level : supported)
  {
    supportedText += (supportedText.empty() ? "" : ",") + std::to_string(level);
  }
  std::vector<int> levels;
  for (const auto & item : splitList(commandLine.value("levels")))
  {
    const bool digits = std::all_of(item.begin(), item.end(), [](char character) { return std::isdigit(character) != 0; });
    const int level = digits && item.size() < 3 ? std::stoi(item) : -1;
    if (std::find(supported.begin(), supported.end(), level) == supported.end())
    {
      throw UsageError("--levels: '" + item + "' is not a pruning level of this model; it supports " + supportedText);
    }
    levels.push_back(level);
  }
  if (levels.empty())
  {
    throw UsageError("--levels needs at least one pruning level, for example 1,2,3,4");
  }
  return levels;
}

std::vector<InferenceMode>
parseModes(const CommandLine & commandLine)
{
  std::vector<InferenceMode> modes;
  for (const auto & item : splitList(commandLine.value("modes")))
  {
    try
    {
      modes.push_back(inferenceModeFromString(item));
    }
    catch (const std::invalid_argument &)
    {
      throw UsageError("--modes: '" + item + "' is not an inference mode; use fast, accurate or both");
    }
  }
  if (modes.empty())
  {
    throw UsageError("--modes needs at least one of fast and accurate");
  }
  return modes;
}

/** Image paths to time: a file, the image files of a folder (or of its imagesTr/ or images/), or a DICOM folder. */
std::vector<std::string>
inputPaths(const std::string & input)
{
  namespace fs = std::filesystem;
  if (!fs::is_directory(input))
  {
    return { input };
  }
  for (const fs::path & folder : { fs::path(input), fs::path(input) / "imagesTr", fs::path(input) / "images" })
  {
    if (fs::is_directory(folder))
    {
      const auto files = listImageFiles(folder.string());
      if (!files.empty())
      {
        return files;
      }
    }
  }
  return { input }; // a folder without image files is read as a DICOM series
}

std::vector<BenchmarkInput>
readInputs(const std::string & input, int maxImages)
{
  auto paths = inputPaths(input);
  if (maxImages > 0 && paths.size() > static_cast<size_t>(maxImages))
  {
    paths.resize(static_cast<size_t>(maxImages));
  }
  std::vector<BenchmarkInput> inputs;
  for (const auto & path : paths)
  {
    InputVolume volume = readInputVolume(path, "");
    inputs.push_back({ volume.source, std::move(volume.loaded), 1 });
  }
  return inputs;
}

/** Times every input with one engine: `warmup` untimed passes, then `runs` timed passes. */
BenchmarkRow
timeConfiguration(SegmentationEngine & engine, std::vector<BenchmarkInput> & inputs, int warmup, int runs)
{
  BenchmarkRow row;
  for (auto & input : inputs)
  {
    engine.checkImage(input.loaded.tensor);
    input.slices = input.loaded.fileDimension == 2
                     ? 1
                     : sliceCount(input.loaded.tensor, engine.sliceAxisFor(input.loaded.tensor, directionOf(input.loaded.image)));
  }

  const bool peakWasReset = resetPeakMemory();
  for (int pass = 0; pass < warmup; ++pass)
  {
    for (const auto & input : inputs)
    {
      engine.segment(input.loaded.tensor, false, {}, directionOf(input.loaded.image));
    }
  }
  for (int pass = 0; pass < runs; ++pass)
  {
    for (const auto & input : inputs)
    {
      const auto start = std::chrono::steady_clock::now();
      engine.segment(input.loaded.tensor, false, {}, directionOf(input.loaded.image));
      row.seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      row.totalSlices += static_cast<double>(input.slices);
    }
  }
  row.peakMemory = readPeakMemory(peakWasReset);
  return row;
}

std::string
fixed(double value, int digits)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

void
printTable(std::ostream & stream, const std::vector<BenchmarkRow> & rows)
{
  stream << std::left << std::setw(6) << "level" << std::setw(10) << "mode" << std::right << std::setw(11) << "parameters"
         << std::setw(11) << "median s" << std::setw(11) << "q1 s" << std::setw(11) << "q3 s" << std::setw(11) << "min s"
         << std::setw(11) << "max s" << std::setw(10) << "images/s" << std::setw(10) << "slices/s" << std::setw(10)
         << "peak MiB" << '\n';
  for (const auto & row : rows)
  {
    const TimingSummary summary = summarize(row);
    stream << std::left << std::setw(6) << ("L" + std::to_string(row.level)) << std::setw(10) << toString(row.mode)
           << std::right << std::setw(11) << row.parameters << std::setw(11) << fixed(summary.median, 4) << std::setw(11)
           << fixed(summary.firstQuartile, 4) << std::setw(11) << fixed(summary.thirdQuartile, 4) << std::setw(11)
           << fixed(summary.minimum, 4) << std::setw(11) << fixed(summary.maximum, 4) << std::setw(10)
           << fixed(summary.imagesPerSecond, 2) << std::setw(10) << fixed(summary.slicesPerSecond, 1) << std::setw(10)
           << fixed(row.peakMemory.mebibytes, 1) << '\n';
  }
}

/** Settings shared by every row: the model, the device and the inputs. */
struct BenchmarkContext
{
  std::string modelPath;
  std::string modelName;
  std::string device;
  int threads = 0;
  int runs = 0;
  int warmup = 0;
  std::vector<BenchmarkInput> * inputs = nullptr;
  bool mirroring = false;
};

void
writeCsv(const std::string & path, const BenchmarkContext & context, const std::vector<BenchmarkRow> & rows)
{
  std::ofstream stream(path);
  if (!stream)
  {
    throw std::runtime_error("cannot write " + path + "; check that its folder exists and is writable");
  }
  stream << "level,mode,parameters,images,runs,warmup,median_seconds,q1_seconds,q3_seconds,min_seconds,max_seconds,"
            "images_per_second,slices_per_second,peak_memory_mib,peak_memory_source,device,threads,tta\n";
  stream << std::setprecision(9);
  for (const auto & row : rows)
  {
    const TimingSummary summary = summarize(row);
    stream << row.level << ',' << toString(row.mode) << ',' << row.parameters << ',' << context.inputs->size() << ','
           << context.runs << ',' << context.warmup << ',' << summary.median << ',' << summary.firstQuartile << ','
           << summary.thirdQuartile << ',' << summary.minimum << ',' << summary.maximum << ',' << summary.imagesPerSecond
           << ',' << summary.slicesPerSecond << ',' << row.peakMemory.mebibytes << ",\"" << row.peakMemory.source
           << "\"," << context.device << ',' << context.threads << ',' << (context.mirroring ? "yes" : "no") << '\n';
  }
  if (!stream.flush())
  {
    throw std::runtime_error("writing " + path + " failed");
  }
}

nlohmann::json
toJson(const BenchmarkContext & context, const std::vector<BenchmarkRow> & rows)
{
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto & input : *context.inputs)
  {
    inputs.push_back({ { "name", input.name }, { "slices", input.slices } });
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto & row : rows)
  {
    const TimingSummary summary = summarize(row);
    results.push_back({ { "level", row.level },
                        { "mode", toString(row.mode) },
                        { "parameters", row.parameters },
                        { "samples", row.seconds.size() },
                        { "median_seconds", summary.median },
                        { "q1_seconds", summary.firstQuartile },
                        { "q3_seconds", summary.thirdQuartile },
                        { "min_seconds", summary.minimum },
                        { "max_seconds", summary.maximum },
                        { "images_per_second", summary.imagesPerSecond },
                        { "slices_per_second", summary.slicesPerSecond },
                        { "peak_memory_mib", row.peakMemory.mebibytes },
                        { "peak_memory_source", row.peakMemory.source } });
  }
  return { { "model", context.modelPath },
           { "model_name", context.modelName },
           { "device", context.device },
           { "threads", context.threads },
           { "tta", context.mirroring },
           { "runs", context.runs },
           { "warmup_runs", context.warmup },
           { "timing", "SegmentationEngine::segment per image or volume, labels only, no file reading or writing; "
                       "one sample per image per run" },
           { "inputs", inputs },
           { "results", results } };
}

} // namespace

int
runBenchmarkCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine("benchmark", "Time inference (no file reading or writing) at each pruning level and mode, "
                                       "and report the median time per image, its spread, throughput and peak memory.");
  commandLine.addOption("model", "FILE", "model file (default: the bundled hippocampus model)");
  commandLine.addOption("input", "PATH", "image file, folder of image files (or with imagesTr/ or images/), or a DICOM series folder");
  commandLine.addOption("levels", "L,...", "pruning levels to time (default: every level of the model)");
  commandLine.addOption("modes", "MODE,...", "inference modes to time: fast, accurate or both", "fast,accurate");
  commandLine.addOption("runs", "N", "timed passes over the inputs", "5");
  commandLine.addOption("warmup", "N", "untimed passes before the timed ones", "1");
  commandLine.addOption("max-images", "N", "time only the first N images of a folder (0: all)", "0");
  addDeviceOptions(commandLine);
  commandLine.addOption("csv", "FILE", "write one row per pruning level and mode");
  commandLine.addOption("json", "FILE", "write the settings and every row as JSON");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }

  const int runs = commandLine.integer("runs");
  const int warmup = commandLine.integer("warmup");
  const int maxImages = commandLine.integer("max-images");
  if (runs < 1)
  {
    throw UsageError("--runs must be at least 1, got " + std::to_string(runs));
  }
  if (warmup < 0 || maxImages < 0)
  {
    throw UsageError("--warmup and --max-images must be 0 or more");
  }
  const std::vector<InferenceMode> modes = parseModes(commandLine);
  const std::string modelPath = commandLine.has("model") ? commandLine.value("model") : findDefaultModel();
  const std::string inputPath = commandLine.value("input");
  const Model model = loadModel(modelPath);
  const std::vector<int> levels = parseLevels(commandLine, model.network);
  // Read once, before the inputs, so that a bad device or --tta fails before a long read.
  InferenceOptions deviceOptions;
  readDeviceOptions(commandLine, model, deviceOptions);
  std::vector<BenchmarkInput> inputs = readInputs(inputPath, maxImages);

  BenchmarkContext context{ modelPath, model.metadata.name, "", 0, runs, warmup, &inputs };
  std::vector<BenchmarkRow> rows;
  for (const int level : levels)
  {
    for (const InferenceMode mode : modes)
    {
      InferenceOptions options = deviceOptions;
      options.level = level;
      options.mode = mode;
      SegmentationEngine engine(model, options);
      if (rows.empty())
      {
        context.device = engine.device().str();
        context.threads = engine.threads();
        context.mirroring = options.mirroring;
        std::cout << "model: " << modelPath << " (" << model.metadata.name << ")\n"
                  << "inputs: " << inputs.size() << " image(s) from " << inputPath << "\n"
                  << "device " << context.device << ", " << context.threads << " thread(s), "
                  << (context.mirroring ? "mirroring (test-time augmentation), " : "") << warmup
                  << " warm-up and " << runs << " timed pass(es) per configuration\n";
      }
      std::cerr << "timing L" << level << " " << toString(mode) << "...\n";
      BenchmarkRow row = timeConfiguration(engine, inputs, warmup, runs);
      row.level = level;
      row.mode = mode;
      row.parameters = model.network->parameterCount(level, mode);
      rows.push_back(std::move(row));
    }
  }

  std::int64_t slices = 0;
  for (const auto & input : inputs)
  {
    slices += input.slices;
  }
  std::cout << slices << " slice(s) per pass; times are per image or volume, " << runs * inputs.size()
            << " sample(s) per row\n";
  printTable(std::cout, rows);
  std::cout << "peak memory: " << rows.front().peakMemory.source << '\n';
  if (const auto csv = commandLine.optionalValue("csv"))
  {
    writeCsv(*csv, context, rows);
    std::cout << "wrote " << *csv << '\n';
  }
  if (const auto json = commandLine.optionalValue("json"))
  {
    std::ofstream stream(*json);
    stream << toJson(context, rows).dump(2) << '\n';
    if (!stream.flush())
    {
      throw std::runtime_error("cannot write " + *json + "; check that its folder exists and is writable");
    }
    std::cout << "wrote " << *json << '\n';
  }
  return 0;
}

} // namespace unetpp

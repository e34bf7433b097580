#include "BatchManifest.h"
#include "BatchPreview.h"
#include "CommandLine.h"
#include "InferenceCommandLine.h"
#include "LabelVolume.h"
#include "Commands.h"
#include "DefaultModel.h"
#include "DicomScan.h"
#include "DicomSeg.h"
#include "InputVolume.h"
#include "OutputImages.h"
#include "ProgressBar.h"
#include "BenchmarkMemory.h"

#include "unetpp/ModelFile.h"
#include "unetpp/SegmentationEngine.h"

#include <dcmtk/oflog/oflog.h>
#ifdef UNETPP_HAVE_GDCM_TRACE
#  include <gdcmTrace.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace unetpp
{

namespace
{

namespace fs = std::filesystem;

/** Set by SIGINT or SIGTERM: no new series starts, and the one in progress is abandoned. */
std::atomic<bool> g_StopRequested{ false };

extern "C" void
requestStop(int)
{
  g_StopRequested = true;
}

/** Thrown from the scan's callbacks when an interrupt arrives while the input folder is scanned. */
class ScanInterrupted : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

constexpr const char * ResultFileName = "result.json";
constexpr const char * SegFileName = "segmentation.dcm";
constexpr const char * PreviewFileName = "preview.png";

struct Shard
{
  uint64_t index = 1; ///< 1-based
  uint64_t count = 1;
};

Shard
parseShard(const std::string & text)
{
  Shard shard;
  std::smatch match;
  try
  {
    if (!std::regex_match(text, match, std::regex("([0-9]{1,9})/([0-9]{1,9})")))
    {
      throw std::invalid_argument(text);
    }
    shard.index = std::stoull(match[1].str());
    shard.count = std::stoull(match[2].str());
  }
  catch (const std::exception &)
  {
    throw UsageError("option --shard expects K/N, for example 2/8, got '" + text + "'");
  }
  if (shard.count == 0 || shard.index == 0 || shard.index > shard.count)
  {
    throw UsageError("option --shard expects K/N with 1 <= K <= N, got '" + text + "'");
  }
  return shard;
}

/** FNV-1a of a text: the same on every machine, so that shards agree without talking to each other. */
uint64_t
stableHash(const std::string & text)
{
  uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char character : text)
  {
    hash ^= character;
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool
inShard(const std::string & key, const Shard & shard)
{
  return stableHash(key) % shard.count == shard.index - 1;
}

std::string
timestamp()
{
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::ostringstream text;
  text << std::put_time(&local, "%Y-%m-%d %H:%M:%S");
  return text.str();
}

/** Log file of a batch: timestamped lines, appended by several workers at once. */
class BatchLog
{
public:
  explicit BatchLog(const std::string & path)
    : m_Stream(path, std::ios::app)
  {
    if (!m_Stream)
    {
      throw std::invalid_argument("cannot write the log file " + path + "; check that the output folder is writable");
    }
  }

  void
  write(const std::string & line)
  {
    const std::lock_guard<std::mutex> lock(m_Mutex);
    m_Stream << timestamp() << ' ' << line << '\n';
    m_Stream.flush();
  }

private:
  std::mutex m_Mutex;
  std::ofstream m_Stream;
};

/** Whether a UID can name a folder as it is: digits and dots only, at most 64 characters (DICOM PS3.5 9.1). */
bool
isPlainUid(const std::string & uid)
{
  return !uid.empty() && uid.size() <= 64 && uid.front() != '.' &&
         uid.find_first_not_of("0123456789.") == std::string::npos && uid.find("..") == std::string::npos;
}

/**
 * Folder name for a UID or series key. A value that is not a plain UID (a damaged or crafted file could hold
 * "../x" or an absolute path) gets a name made from its hash instead, so outputs always stay under --output.
 */
std::string
folderNameFor(const std::string & value)
{
  const auto dash = value.find("-part");
  const std::string uid = value.substr(0, dash);
  const std::string suffix = dash == std::string::npos ? "" : value.substr(dash);
  const bool plainSuffix = suffix.empty() || std::regex_match(suffix, std::regex("-part[0-9]{1,6}"));
  if (isPlainUid(uid) && plainSuffix)
  {
    return value;
  }
  std::ostringstream name;
  name << "invalid-uid-" << std::hex << stableHash(value);
  return name.str();
}

/** Replaces line breaks and other control characters, so that a description cannot split a log line. */
std::string
printable(const std::string & text)
{
  std::string result;
  for (const char character : text)
  {
    result += static_cast<unsigned char>(character) < 0x20 || character == 0x7f ? ' ' : character;
  }
  return result;
}

/** Name of a series in logs and messages: number, description and UID, never patient data. */
std::string
seriesName(const DicomSeries & series)
{
  std::string name = series.seriesNumber ? "series " + std::to_string(*series.seriesNumber) : "series without number";
  if (!series.seriesDescription.empty())
  {
    name += " \"" + printable(series.seriesDescription) + "\"";
  }
  return name + " (" + printable(series.key()) + ")";
}

SeriesRecord
recordFor(const DicomSeries & series)
{
  SeriesRecord record;
  record.key = series.key();
  record.studyInstanceUid = series.studyInstanceUid;
  record.seriesInstanceUid = series.seriesInstanceUid;
  record.seriesNumber = series.seriesNumber;
  record.modality = series.modality;
  record.description = series.seriesDescription;
  record.files = series.instances.size();
  record.slices = 0;
  for (const auto & instance : series.instances)
  {
    record.slices += static_cast<size_t>(std::max(1, instance.numberOfFrames));
  }
  return record;
}

struct BatchSettings
{
  std::string modelPath;
  /// Hash of the model file's bytes: a retrained model often has the same name and file size as the one before it.
  std::string modelHash;
  InferenceOptions inference;
  std::string labelmapName = "labelmap.nii.gz";
  bool writeSeg = true;
  bool writePreview = true;
};

SegLabelVolume::Pointer
toSegLabelVolume(const torch::Tensor & labels, const VectorVolume * reference)
{
  auto volume = SegLabelVolume::New();
  volume->SetRegions(reference->GetLargestPossibleRegion());
  volume->SetOrigin(reference->GetOrigin());
  volume->SetSpacing(reference->GetSpacing());
  volume->SetDirection(reference->GetDirection());
  volume->Allocate();
  const torch::Tensor values = labels.to(torch::kInt32).contiguous();
  const int32_t * source = values.data_ptr<int32_t>();
  unsigned short * target = volume->GetBufferPointer();
  const auto count = static_cast<size_t>(values.numel());
  for (size_t index = 0; index < count; ++index)
  {
    target[index] = static_cast<unsigned short>(source[index]);
  }
  return volume;
}

nlohmann::json
labelVolumes(const torch::Tensor & labels, const ModelMetadata & metadata, const LoadedImage & loaded)
{
  nlohmann::json volumes = nlohmann::json::array();
  for (const LabelVolume & volume : measureLabelVolumes(labels, metadata.classes, loaded))
  {
    volumes.push_back({ { "label_value", volume.labelValue },
                        { "name", volume.name },
                        { "voxels", volume.voxels },
                        { "volume_mm3", volume.size },
                        { "volume_ml", volume.size / 1000.0 } });
  }
  return volumes;
}

/** Settings that decide a series' outputs; a result made with other settings is redone. */
nlohmann::json
outputSettings(const BatchSettings & settings, const ModelMetadata & metadata)
{
  return { { "model_name", metadata.name },
           { "model_hash", settings.modelHash },
           { "level", settings.inference.level },
           { "mode", toString(settings.inference.mode) },
           { "tta", settings.inference.mirroring },
           { "labelmap", settings.labelmapName },
           { "seg", settings.writeSeg },
           { "preview", settings.writePreview } };
}

/**
 * Returns the 64-bit FNV-1a hash of a file's bytes as "fnv1a64:" and 16 hexadecimal digits. A CRC-32 of the
 * whole file would not do: a model file ends with the CRC-32 of its content, and the CRC-32 of data followed
 * by its own CRC is the same for every file of one length.
 */
std::string
fileHash(const std::string & path)
{
  std::ifstream stream(path, std::ios::binary);
  constexpr uint64_t OffsetBasis = 14695981039346656037ULL;
  constexpr uint64_t Prime = 1099511628211ULL;
  uint64_t hash = OffsetBasis;
  std::vector<char> buffer(1 << 20);
  while (stream)
  {
    stream.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto count = static_cast<size_t>(stream.gcount());
    for (size_t index = 0; index < count; ++index)
    {
      hash = (hash ^ static_cast<unsigned char>(buffer[index])) * Prime;
    }
  }
  if (stream.bad())
  {
    throw std::runtime_error("failed to read the model file " + path + " while computing its hash");
  }
  std::ostringstream text;
  text << "fnv1a64:" << std::hex << std::setw(16) << std::setfill('0') << hash;
  return text.str();
}

/** Segments one series into a staging folder and moves the folder into place when every file is complete. */
void
processSeries(const DicomSeries & series, SegmentationEngine & engine, const BatchSettings & settings,
              const fs::path & staging, const fs::path & destination, SeriesRecord & record)
{
  const auto start = std::chrono::steady_clock::now();
  fs::remove_all(staging);
  fs::create_directories(staging);
  const LoadedImage loaded = readDicomSeriesVolume(series);
  const DirectionMatrix direction = directionOf(loaded.image);
  const SegmentationResult result = engine.segment(
    loaded.tensor, false, [](double) { return !g_StopRequested.load(); }, direction);
  if (g_StopRequested || !result.labels.defined())
  {
    throw std::runtime_error("interrupted");
  }

  std::vector<std::string> outputs;
  nlohmann::json notes = nlohmann::json::array();
  if (axisFarFromTrainingSpacing(engine.metadata(), loaded))
  {
    notes.push_back("voxel spacing differs from the model's training spacing by more than a third, so the labels "
                    "may be wrong");
  }
  writeLabelmap(result.labels, loaded.image, 3, (staging / settings.labelmapName).string());
  outputs.push_back(settings.labelmapName);
  const bool anyLabel = result.labels.ne(0).any().item<bool>();
  if (settings.writeSeg && !anyLabel)
  {
    // A DICOM SEG needs at least one segment, so an empty result has a labelmap but no SEG.
    notes.push_back("no DICOM SEG written: the model found none of its structures in this series");
  }
  if (settings.writeSeg && anyLabel && series.seriesInstanceUidDerived)
  {
    // A SEG must reference its source series by UID, and these files have none.
    notes.push_back("no DICOM SEG written: the source files have no Series Instance UID to reference");
  }
  if (settings.writeSeg && anyLabel && !series.seriesInstanceUidDerived)
  {
    std::vector<std::string> sourceFiles;
    for (const auto & instance : series.instances)
    {
      sourceFiles.push_back(instance.path);
    }
    DicomSegDescription description;
    const std::string & name = engine.metadata().name;
    description.seriesDescription = name.rfind("UNet++", 0) == 0 ? name : "UNet++ " + name;
    description.algorithmName = description.seriesDescription;
    description.algorithmVersion = "L" + std::to_string(settings.inference.level) + " " +
                                   toString(settings.inference.mode) + (settings.inference.mirroring ? " TTA" : "");
    const SegLabelVolume::Pointer segLabels = toSegLabelVolume(result.labels, loaded.image);
    writeDicomSeg((staging / SegFileName).string(), segLabels, sourceFiles, engine.metadata().classes, description);
    outputs.push_back(SegFileName);
  }
  if (settings.writePreview)
  {
    const double rowScale = loaded.spacing[1] / loaded.spacing[0];
    writePreviewMontage((staging / PreviewFileName).string(), loaded.tensor, result.labels, engine.metadata().classes,
                        rowScale);
    outputs.push_back(PreviewFileName);
  }

  nlohmann::json summary = toJson(record);
  summary["status"] = "done";
  summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary["outputs"] = outputs;
  summary["volumes"] = labelVolumes(result.labels, engine.metadata(), loaded);
  summary["settings"] = { { "model", settings.modelPath },
                          { "model_name", engine.metadata().name },
                          { "level", settings.inference.level },
                          { "mode", toString(settings.inference.mode) },
                          { "tta", settings.inference.mirroring },
                          { "device", engine.device().str() },
                          { "threads", engine.threads() } };
  summary["size"] = { loaded.tensor.size(3), loaded.tensor.size(2), loaded.tensor.size(1) };
  summary["spacing"] = loaded.spacing;
  summary["notes"] = notes;
  summary["output_settings"] = outputSettings(settings, engine.metadata());
  {
    std::ofstream stream(staging / ResultFileName);
    stream << summary.dump(2) << '\n';
    stream.flush();
    if (!stream)
    {
      throw std::runtime_error("cannot write " + (staging / ResultFileName).string());
    }
  }
  outputs.push_back(ResultFileName);

  // The result file marks a finished series; the folder appears under its final name only when complete.
  // An earlier result (--force, changed settings) is moved aside first and removed only once the new one is
  // in place, so a failure between the two steps never leaves the series without any result.
  fs::create_directories(destination.parent_path());
  const fs::path previous = staging.string() + ".previous";
  fs::remove_all(previous);
  if (fs::exists(destination))
  {
    fs::rename(destination, previous);
  }
  fs::rename(staging, destination);
  std::error_code ignored;
  fs::remove_all(previous, ignored);
  record.outputs = outputs;
  record.reason.clear();
  for (const auto & note : notes)
  {
    record.reason += (record.reason.empty() ? "" : "; ") + note.get<std::string>();
  }
}

/**
 * Outputs of a series finished by an earlier run with the same settings, or nothing when the series has to
 * be done (again): no result, another model, level, mode or format, or an output file missing or empty.
 */
std::optional<std::vector<std::string>>
finishedOutputs(const fs::path & destination, const nlohmann::json & settings)
{
  const fs::path result = destination / ResultFileName;
  if (!fs::is_regular_file(result))
  {
    return std::nullopt;
  }
  try
  {
    std::ifstream stream(result);
    const auto json = nlohmann::json::parse(stream);
    if (json.value("output_settings", nlohmann::json()) != settings)
    {
      return std::nullopt;
    }
    auto outputs = json.at("outputs").get<std::vector<std::string>>();
    outputs.push_back(ResultFileName);
    for (const auto & name : outputs)
    {
      if (!fs::is_regular_file(destination / name) || fs::file_size(destination / name) == 0)
      {
        return std::nullopt;
      }
    }
    return outputs;
  }
  catch (const std::exception &)
  {
    return std::nullopt;
  }
}

std::string
formatSeconds(double seconds)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << seconds << " s";
  return text.str();
}

} // namespace

int
runBatchCommand(const std::vector<std::string> & arguments)
{
  CommandLine commandLine("batch", "Segment every suitable series of a folder tree of DICOM files, writing for each a "
                                   "labelmap, a DICOM Segmentation object, the volume of each label and a preview, "
                                   "and a manifest that accounts for every file and series.");
  commandLine.addOption("input", "DIR", "folder tree of DICOM files, searched recursively; files are recognised by content");
  commandLine.addOption("output", "DIR", "output folder: one folder per series under its study, the manifest and the log");
  commandLine.addOption("model", "FILE", "model file (default: the bundled hippocampus model)");
  addLevelAndModeOptions(commandLine);
  addDeviceOptions(commandLine, "CPU threads in all, shared by the workers (0: every core)");
  commandLine.addOption("modality", "LIST",
                        "process only series of these modalities, comma-separated (default: the model's modalities, "
                        "or every image series when the model states none)");
  commandLine.addOption("description", "REGEX", "process only series whose Series Description matches (ECMAScript "
                                                "regular expression, searched anywhere in the text)");
  commandLine.addFlag("all-series", "process every image series, whatever the model's modalities");
  commandLine.addOption("workers", "N", "series processed at the same time", "1");
  commandLine.addOption("shard", "K/N", "process only shard K of N (split by Series Instance UID), for job arrays", "1/1");
  commandLine.addFlag("force", "redo series that an earlier run finished");
  commandLine.addOption("format", "FORMAT", "labelmap file format: nifti or nrrd", "nifti");
  commandLine.addFlag("no-seg", "do not write DICOM Segmentation objects");
  commandLine.addFlag("no-preview", "do not write preview images");
  commandLine.parse(arguments);
  if (commandLine.helpRequested())
  {
    std::cout << commandLine.usage();
    return 0;
  }

  const fs::path inputFolder = commandLine.value("input");
  const fs::path outputFolder = commandLine.value("output");
  if (!fs::exists(inputFolder))
  {
    throw UsageError("--input " + inputFolder.string() + " not found. Give the folder that contains the DICOM files.");
  }
  if (!fs::is_directory(inputFolder))
  {
    throw UsageError("--input " + inputFolder.string() +
                     " is a file, not a folder. Give the folder that contains the DICOM files.");
  }
  if (fs::exists(outputFolder) && !fs::is_directory(outputFolder))
  {
    throw UsageError("--output " + outputFolder.string() + " is a file, not a folder. Give a new or existing folder.");
  }
  if (fs::is_symlink(fs::symlink_status(outputFolder)) && !fs::exists(outputFolder))
  {
    throw UsageError("--output " + outputFolder.string() +
                     " is a symbolic link to a missing target. Give a folder or a path that does not exist yet.");
  }
  // The folder is created later, so a file among its parents has to be found now.
  for (fs::path parent = fs::absolute(outputFolder).parent_path(); parent != parent.root_path();
       parent = parent.parent_path())
  {
    if (fs::exists(parent))
    {
      if (!fs::is_directory(parent))
      {
        throw UsageError("--output " + outputFolder.string() + " is inside " + parent.string() +
                         ", which is a file, not a folder");
      }
      break;
    }
  }
  {
    const fs::path input = fs::weakly_canonical(fs::absolute(inputFolder));
    const fs::path output = fs::weakly_canonical(fs::absolute(outputFolder));
    const auto [inputEnd, outputPosition] = std::mismatch(input.begin(), input.end(), output.begin(), output.end());
    if (inputEnd == input.end() && outputPosition == output.end())
    {
      throw UsageError("--output " + outputFolder.string() + " is the same folder as --input " + inputFolder.string() +
                       ", so its files would be scanned as input. Choose an output folder outside the input.");
    }
    if (inputEnd == input.end())
    {
      throw UsageError("--output " + outputFolder.string() + " is inside --input " + inputFolder.string() +
                       ", so its files would be scanned as input. Choose an output folder outside the input.");
    }
  }
  const Shard shard = parseShard(commandLine.value("shard"));
  const int workers = commandLine.integer("workers");
  if (workers < 1 || workers > 64)
  {
    throw UsageError("option --workers expects 1 to 64, got " + std::to_string(workers));
  }
  BatchSettings settings;
  const std::string format = commandLine.value("format");
  if (format != "nifti" && format != "nrrd")
  {
    throw UsageError("option --format expects nifti or nrrd, got '" + format + "'");
  }
  settings.labelmapName = format == "nifti" ? "labelmap.nii.gz" : "labelmap.nrrd";
  settings.writeSeg = !commandLine.flag("no-seg");
  settings.writePreview = !commandLine.flag("no-preview");
  settings.modelPath = commandLine.has("model") ? commandLine.value("model") : findDefaultModel();
  std::optional<std::regex> descriptionPattern;
  if (const auto pattern = commandLine.optionalValue("description"))
  {
    try
    {
      descriptionPattern = std::regex(*pattern, std::regex::ECMAScript | std::regex::icase);
    }
    catch (const std::regex_error & error)
    {
      throw UsageError("option --description: '" + *pattern + "' is not a valid regular expression (" + error.what() + ")");
    }
  }

  // From here on, an interrupt ends the batch with exit status 130 and a message, at whatever step it comes.
  std::signal(SIGINT, requestStop);
  std::signal(SIGTERM, requestStop);

  // Load the model before the scan: a bad model file fails in a second, not after a long scan.
  Model model = loadModel(settings.modelPath);
  settings.modelHash = fileHash(settings.modelPath);
  if (g_StopRequested)
  {
    std::cerr << "unetpp batch: interrupted while loading the model; nothing was scanned or segmented\n";
    return 130;
  }
  settings.inference = inferenceOptionsFrom(commandLine, model);
  std::vector<std::string> modalities = model.metadata.modalities;
  if (const auto chosen = commandLine.optionalValue("modality"))
  {
    modalities = splitList(*chosen);
  }
  if (commandLine.flag("all-series"))
  {
    modalities.clear();
  }

  fs::create_directories(outputFolder);
  const std::string shardSuffix =
    shard.count == 1 ? "" : "-shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
  const std::string manifestBase = (outputFolder / ("manifest" + shardSuffix)).string();
  BatchLog log((outputFolder / ("batch" + shardSuffix + ".log")).string());
  log.write("batch started: input " + inputFolder.string() + ", model " + settings.modelPath + ", shard " +
            std::to_string(shard.index) + "/" + std::to_string(shard.count));

  // DCMTK warns about every missing optional attribute of the sources. The manifest and log report what matters.
  OFLog::configure(OFLogger::ERROR_LOG_LEVEL);
#ifdef UNETPP_HAVE_GDCM_TRACE
  // GDCM warns twice per file about private tags missing from its dictionary, which is no fault of the image.
  gdcm::Trace::WarningOff();
#endif

  const bool interactive = standardErrorIsTerminal();
  ProgressBar scanBar(std::cerr, "scanning " + inputFolder.string(), interactive);
  DicomScanResult scan;
  try
  {
    // An archive of hundreds of thousands of files takes minutes to scan, so an interrupt ends the scan
    // at the next folder while the tree is walked, or at the next file while the files are examined.
    const auto examining = [&](size_t examined, size_t total) {
      if (g_StopRequested)
      {
        throw ScanInterrupted("interrupted while scanning, after " + std::to_string(examined) + " of " +
                              std::to_string(total) + " files");
      }
      scanBar.update(total == 0 ? 1.0 : static_cast<double>(examined) / static_cast<double>(total));
    };
    const auto listing = [](size_t found) {
      if (g_StopRequested)
      {
        throw ScanInterrupted("interrupted while listing the input folder tree, after " + std::to_string(found) +
                              " files found");
      }
    };
    scan = scanDicomFolder(inputFolder.string(), examining, listing);
  }
  catch (const ScanInterrupted & interrupted)
  {
    scanBar.stop("interrupted");
    log.write(std::string("batch ended: ") + interrupted.what() + "; nothing was segmented");
    std::cerr << "unetpp batch: " << interrupted.what()
              << "; nothing was segmented and no manifest was written. Run the same command again to start over\n";
    return 130;
  }
  scanBar.finish();
  log.write("scan: " + std::to_string(scan.filesExamined) + " files, " + std::to_string(scan.series.size()) +
            " series, " + std::to_string(scan.skippedFiles.size()) + " files outside any series");

  std::vector<FileRecord> files;
  for (const auto & skipped : scan.skippedFiles)
  {
    if (inShard(skipped.path, shard))
    {
      files.push_back({ skipped.path, skipped.reason });
    }
  }

  const nlohmann::json settingsKey = outputSettings(settings, model.metadata);

  // Decide for every series of this shard: skip with a reason, reuse an earlier result, or process.
  std::vector<SeriesRecord> records;
  std::vector<const DicomSeries *> queue;
  std::vector<size_t> queueRecords;
  for (const auto & series : scan.series)
  {
    if (!inShard(series.key(), shard))
    {
      continue;
    }
    SeriesRecord record = recordFor(series);
    const fs::path relativeFolder = fs::path(folderNameFor(series.studyInstanceUid)) / folderNameFor(series.key());
    const fs::path destination = outputFolder / relativeFolder;
    if (!series.segmentable)
    {
      record.status = "skipped";
      record.reason = series.reason;
    }
    else if (!modalities.empty() && std::find(modalities.begin(), modalities.end(), series.modality) == modalities.end())
    {
      record.status = "skipped";
      record.reason = "modality " + series.modality + " not selected (processing " + [&] {
        std::string list;
        for (const auto & modality : modalities)
        {
          list += (list.empty() ? "" : ", ") + modality;
        }
        return list;
      }() + ")";
    }
    else if (descriptionPattern && !std::regex_search(series.seriesDescription, *descriptionPattern))
    {
      record.status = "skipped";
      record.reason = "series description does not match --description";
    }
    else if (const auto outputs = commandLine.flag("force") ? std::nullopt : finishedOutputs(destination, settingsKey))
    {
      record.status = "done";
      record.reason = "finished by an earlier run";
      record.outputFolder = relativeFolder.generic_string();
      record.outputs = *outputs;
    }
    else
    {
      record.status = "pending";
      record.reason = "not started before the run stopped. A new run processes it";
      record.outputFolder = relativeFolder.generic_string();
      queueRecords.push_back(records.size());
      queue.push_back(&series);
    }
    records.push_back(record);
  }
  writeManifest(manifestBase, records, files);
  if (scan.series.empty())
  {
    if (scan.filesExamined == 0)
    {
      log.write("batch ended: no files found");
      std::cerr << "unetpp batch: no files found under " << inputFolder.string() << "\n";
      return 1;
    }
    log.write("batch ended: no DICOM series found in " + std::to_string(scan.filesExamined) + " files");
    std::cerr << "unetpp batch: no DICOM series found under " << inputFolder.string() << " (" << scan.filesExamined
              << " files examined); the manifest lists each file with the reason it was skipped\n";
    return 1;
  }
  std::cout << "found " << scan.series.size() << " series in " << scan.filesExamined << " files; "
            << (shard.count == 1 ? "this run processes " : "this shard processes ") << queue.size() << " series\n";
  log.write(std::to_string(queue.size()) + " series to process");

  // Workers share the intra-op threads; each has its own engine (the network is not shared between threads).
  std::vector<std::unique_ptr<SegmentationEngine>> engines;
  for (int worker = 0; worker < std::min<int>(workers, std::max<int>(1, static_cast<int>(queue.size()))); ++worker)
  {
    Model copy = worker == 0 ? std::move(model) : loadModel(settings.modelPath);
    engines.push_back(std::make_unique<SegmentationEngine>(std::move(copy), settings.inference));
  }

  const bool memoryReset = resetPeakMemory();
  std::mutex mutex;
  size_t next = 0;
  size_t finished = 0;
  size_t failures = 0;
  ProgressBar bar(std::cerr, "segmenting " + std::to_string(queue.size()) + " series", interactive);
  const auto work = [&](SegmentationEngine & engine) {
    while (true)
    {
      size_t position = 0;
      {
        const std::lock_guard<std::mutex> lock(mutex);
        if (next >= queue.size() || g_StopRequested)
        {
          return;
        }
        position = next++;
      }
      const DicomSeries & series = *queue[position];
      SeriesRecord record = records[queueRecords[position]];
      // The record waited with the reason of a pending series; the outcome below sets its own.
      record.reason.clear();
      const fs::path staging = outputFolder / ".partial" / folderNameFor(series.key());
      const fs::path destination = outputFolder / record.outputFolder;
      log.write("start " + seriesName(series));
      const auto start = std::chrono::steady_clock::now();
      try
      {
        processSeries(series, engine, settings, staging, destination, record);
        record.status = "done";
      }
      catch (const std::exception & error)
      {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        if (g_StopRequested)
        {
          record.status = "pending";
          record.reason = "interrupted while being segmented. A new run processes it";
        }
        else
        {
          record.status = "failed";
          record.reason = error.what();
        }
      }
      record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      log.write(record.status + " " + seriesName(series) + " in " + formatSeconds(record.seconds) +
                (record.reason.empty() ? "" : ": " + record.reason));
      const std::lock_guard<std::mutex> lock(mutex);
      records[queueRecords[position]] = record;
      failures += record.status == "failed" ? 1 : 0;
      if (record.status == "pending")
      {
        continue; // abandoned by an interrupt: not counted as finished in the progress line
      }
      ++finished;
      bar.update(static_cast<double>(finished) / static_cast<double>(queue.size()),
                 std::to_string(finished) + "/" + std::to_string(queue.size()) + " series");
      writeManifest(manifestBase, records, files);
    }
  };
  std::vector<std::thread> threads;
  for (size_t worker = 1; worker < engines.size(); ++worker)
  {
    threads.emplace_back(work, std::ref(*engines[worker]));
  }
  if (!engines.empty())
  {
    work(*engines.front());
  }
  for (auto & thread : threads)
  {
    thread.join();
  }
  if (g_StopRequested)
  {
    bar.stop("interrupted");
  }
  else
  {
    bar.finish();
  }
  std::error_code ignored;
  fs::remove(outputFolder / ".partial", ignored); // only when empty: other shards may still be staging series

  writeManifest(manifestBase, records, files);
  writePreviewIndex((outputFolder / ("index" + shardSuffix + ".html")).string(), records);
  const PeakMemory peak = readPeakMemory(memoryReset);
  size_t done = 0;
  size_t skipped = 0;
  size_t pending = 0;
  for (const auto & record : records)
  {
    done += record.status == "done" ? 1 : 0;
    skipped += record.status == "skipped" ? 1 : 0;
    pending += record.status == "pending" ? 1 : 0;
  }
  std::ostringstream summary;
  summary << done << " done, " << skipped << " skipped, " << failures << " failed, " << pending << " pending; "
          << files.size() << " files outside any series; peak memory " << std::fixed << std::setprecision(0)
          << peak.mebibytes << " MiB";
  std::cout << summary.str() << "\nmanifest: " << manifestBase << ".csv and " << manifestBase << ".jsonl\n";
  log.write("batch ended: " + summary.str());
  if (g_StopRequested)
  {
    std::cerr << "unetpp batch: interrupted; run the same command again to finish the remaining series\n";
    return 130;
  }
  return failures == 0 ? 0 : 1;
}

} // namespace unetpp

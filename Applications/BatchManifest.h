#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace unetpp
{

/** Outcome of one series in a batch. */
struct SeriesRecord
{
  std::string key; ///< Series Instance UID, with a part suffix for split series
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::optional<int> seriesNumber; ///< absent when the series has no Series Number
  std::string modality;
  std::string description;
  size_t files = 0;
  size_t slices = 0;
  std::string status; ///< "done", "skipped", "failed" or "pending" (interrupted before it finished)
  std::string reason;
  double seconds = 0.0;
  std::string outputFolder;         ///< relative to the batch's output folder, where the manifest is
  std::vector<std::string> outputs; ///< file names inside outputFolder
};

/** A file under the input folder that belongs to no series, and why. */
struct FileRecord
{
  std::string path;
  std::string reason;
};

/**
 * Writes the manifest of a batch as `base`.csv and `base`.jsonl: one row per series, then one per file that
 * is not part of a series. Series are named by UID, number and description only. Each file is written
 * under a temporary name and renamed when complete, so a reader never sees half a manifest.
 */
void writeManifest(const std::string & base, const std::vector<SeriesRecord> & series, const std::vector<FileRecord> & files);

/** The JSON form of a series row, as in the JSON Lines manifest. */
nlohmann::json toJson(const SeriesRecord & record);

/**
 * Writes an HTML page at `path` with a table of the processed series, their status and, for finished
 * series, their preview image. The page goes in the batch's output folder, which image links are relative to.
 */
void writePreviewIndex(const std::string & path, const std::vector<SeriesRecord> & series);

} // namespace unetpp

// End-to-end runs of `unetpp batch` on a folder built from the real DICOM data: MR studies, a JPEG 2000
// CT series, DICOM SEG objects, and junk files that the test writes. Covers the manifest, the outputs
// per series, the DICOM SEG round trip, resuming after a kill, and shards.

#include "CommandRunner.h"

#include "DicomSeg.h"

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageRegionConstIterator.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

extern char ** environ;

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::quoted;
using unetpp::testing::runUnetpp;
using LabelImage = itk::Image<unsigned short, 3>;

/** Counts the regular files under a folder, following symbolic links to files. */
size_t
countFiles(const fs::path & folder)
{
  size_t count = 0;
  for (const auto & entry : fs::recursive_directory_iterator(folder))
  {
    count += entry.is_regular_file() ? 1 : 0;
  }
  return count;
}

std::vector<nlohmann::json>
readJsonLines(const fs::path & path)
{
  std::vector<nlohmann::json> rows;
  std::ifstream stream(path);
  std::string line;
  while (std::getline(stream, line))
  {
    if (!line.empty())
    {
      rows.push_back(nlohmann::json::parse(line));
    }
  }
  return rows;
}

LabelImage::Pointer
readLabels(const fs::path & path)
{
  auto reader = itk::ImageFileReader<LabelImage>::New();
  reader->SetFileName(path.string());
  reader->Update();
  return reader->GetOutput();
}

/** Whether two labelmaps have the same size, geometry (to 1e-4) and voxels. */
::testing::AssertionResult
sameLabelmap(const LabelImage * expected, const LabelImage * actual)
{
  if (expected->GetLargestPossibleRegion().GetSize() != actual->GetLargestPossibleRegion().GetSize())
  {
    return ::testing::AssertionFailure() << "sizes differ: " << expected->GetLargestPossibleRegion().GetSize() << " and "
                                         << actual->GetLargestPossibleRegion().GetSize();
  }
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    if (std::abs(expected->GetOrigin()[axis] - actual->GetOrigin()[axis]) > 1e-4 ||
        std::abs(expected->GetSpacing()[axis] - actual->GetSpacing()[axis]) > 1e-4)
    {
      return ::testing::AssertionFailure() << "origin or spacing differs on axis " << axis;
    }
    for (unsigned column = 0; column < 3; ++column)
    {
      if (std::abs(expected->GetDirection()[axis][column] - actual->GetDirection()[axis][column]) > 1e-4)
      {
        return ::testing::AssertionFailure() << "direction differs at " << axis << "," << column;
      }
    }
  }
  itk::ImageRegionConstIterator<LabelImage> left(expected, expected->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<LabelImage> right(actual, actual->GetLargestPossibleRegion());
  size_t differences = 0;
  for (; !left.IsAtEnd(); ++left, ++right)
  {
    differences += left.Get() != right.Get() ? 1 : 0;
  }
  if (differences > 0)
  {
    return ::testing::AssertionFailure() << differences << " voxels differ";
  }
  return ::testing::AssertionSuccess();
}

class BatchCommand : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    m_Shared = unetpp::testing::sharedDataFolder();
    if (m_Shared.empty())
    {
      GTEST_SKIP() << "real data folder ../shared/data is absent; the batch tests need it";
    }
    m_Folder = unetpp::testing::makeTemporaryFolder();
    m_Input = fs::path(m_Folder) / "input";
    buildInputFolder();
  }

  void
  TearDown() override
  {
    if (!m_Folder.empty())
    {
      fs::remove_all(m_Folder);
    }
  }

  /** Copies the real series into a mixed folder tree with renamed files and junk, as a PACS export looks. */
  void
  buildInputFolder()
  {
    const fs::path shared(m_Shared);
    const fs::path studies = shared / "mr-dicom-studies";
    fs::create_directories(m_Input / "export" / "mr");
    fs::copy(studies, m_Input / "export" / "mr", fs::copy_options::recursive);
    fs::create_directories(m_Input / "export" / "ct");
    size_t index = 0;
    for (const auto & entry : fs::directory_iterator(shared / "ct-dicom-j2k" / "series"))
    {
      // Without an extension, as many PACS exports name them.
      fs::copy_file(entry.path(), m_Input / "export" / "ct" / ("IM" + std::to_string(index++)));
    }
    fs::create_directories(m_Input / "objects");
    for (const char * name : { "liver.dcm", "partial_overlaps.dcm" })
    {
      fs::copy_file(shared / "dicom-seg-examples" / name, m_Input / "objects" / name);
    }
    // An exact copy of one crop slice elsewhere in the tree: the same instance, which must not break its series.
    fs::create_directories(m_Input / "copies");
    fs::copy_file(fs::directory_iterator(studies / "Study2" / "14_HCropVolume")->path(), m_Input / "copies" / "slice.dcm");
    fs::create_directories(m_Input / "junk");
    std::ofstream(m_Input / "junk" / "empty.dcm").close();
    std::ofstream(m_Input / "junk" / "notes.txt") << "not an image\n";
    // The first 2000 bytes of a real DICOM file: the header parses, the pixel data is cut off.
    const fs::path source = fs::directory_iterator(studies / "Study1" / "13_HCropVolume")->path();
    std::ifstream whole(source, std::ios::binary);
    std::string bytes(2000, '\0');
    whole.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream(m_Input / "junk" / "truncated.dcm", std::ios::binary) << bytes;
  }

  unetpp::testing::CommandResult
  runBatch(const fs::path & output, const std::string & extra = "") const
  {
    return runUnetpp("batch --input " + quoted(m_Input.string()) + " --output " + quoted(output.string()) +
                     " --description HippoCrop --threads 2 " + extra);
  }

  /**
   * Starts `unetpp batch` on the crop series of `input` without waiting for it, with standard output and
   * error in `log`. Returns the process id, or 0 when the process could not be started.
   */
  static pid_t
  startBatch(const fs::path & input, const fs::path & output, const fs::path & log)
  {
    const std::string executable = UNETPP_EXECUTABLE;
    const std::vector<std::string> arguments{ executable, "batch", "--input", input.string(), "--output",
                                              output.string(), "--description", "HippoCrop", "--threads", "2",
                                              "--no-preview" };
    std::vector<char *> argv;
    for (const auto & argument : arguments)
    {
      argv.push_back(const_cast<char *>(argument.c_str()));
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t child = 0;
    const int error = posix_spawn(&child, executable.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return error == 0 ? child : 0;
  }

  /** Outcome of a batch stopped by a signal: whether a series was staged first, and the wait status. */
  struct StoppedBatch
  {
    bool staged = false;
    int status = 0;
  };

  /** Starts a batch, sends `signal` as soon as a series is staged (or after 120 s), and waits for the process. */
  StoppedBatch
  stopWhenStaged(const fs::path & output, const fs::path & log, int signal) const
  {
    StoppedBatch stopped;
    const pid_t child = startBatch(m_Input, output, log);
    EXPECT_GT(child, 0) << "the batch could not be started";
    if (child <= 0)
    {
      return stopped;
    }
    stopped.staged = waitForStagedSeries(output);
    ::kill(child, signal);
    ::waitpid(child, &stopped.status, 0);
    return stopped;
  }

  /** Waits up to 120 s until a series folder appears in the staging folder of `output`. */
  static bool
  waitForStagedSeries(const fs::path & output)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline)
    {
      std::error_code ignored;
      for (const auto & entry : fs::directory_iterator(output / ".partial", ignored))
      {
        if (entry.is_directory())
        {
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  std::string m_Shared;
  std::string m_Folder;
  fs::path m_Input;
};

/** The hippocampus crop series of the three MR studies, which the runs below select with --description. */
constexpr size_t CropSeries = 3;

TEST_F(BatchCommand, ManifestAccountsForEveryFile)
{
  const fs::path output = fs::path(m_Folder) / "output";
  const auto result = runBatch(output);
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  const auto rows = readJsonLines(output / "manifest.jsonl");
  size_t filesInSeries = 0;
  size_t skippedFiles = 0;
  size_t done = 0;
  size_t unnumbered = 0;
  std::set<std::string> keys;
  for (const auto & row : rows)
  {
    if (row.at("kind") == "series")
    {
      filesInSeries += row.at("files").get<size_t>();
      done += row.at("status") == "done" ? 1 : 0;
      EXPECT_TRUE(keys.insert(row.at("key").get<std::string>()).second) << "series listed twice: " << row.dump();
      EXPECT_FALSE(row.at("status") == "failed") << row.dump();
      // The hippocampus crops leave Series Number empty, so the manifest must not invent one.
      if (row.at("description") == "HippoCrop")
      {
        ++unnumbered;
        EXPECT_TRUE(row.at("series_number").is_null()) << row.dump();
      }
    }
    else
    {
      ++skippedFiles;
      EXPECT_FALSE(row.at("reason").get<std::string>().empty()) << row.dump();
    }
  }
  EXPECT_EQ(filesInSeries + skippedFiles, countFiles(m_Input));
  size_t duplicates = 0;
  for (const auto & row : rows)
  {
    duplicates += row.at("kind") == "file" && row.at("reason").get<std::string>().rfind("duplicate of", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(duplicates, 1U);
  EXPECT_EQ(done, CropSeries);
  EXPECT_EQ(unnumbered, CropSeries);
  // The three junk files are listed as files; the SEG objects, the CT and the other MR series as skipped series.
  EXPECT_GE(skippedFiles, 3U);
  EXPECT_TRUE(fs::exists(output / "manifest.csv"));
  EXPECT_TRUE(fs::exists(output / "index.html"));
  EXPECT_TRUE(fs::exists(output / "batch.log"));
}

TEST_F(BatchCommand, SegObjectsAreSkippedWithReason)
{
  const fs::path output = fs::path(m_Folder) / "output";
  const auto result = runBatch(output);
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  size_t segObjects = 0;
  for (const auto & row : readJsonLines(output / "manifest.jsonl"))
  {
    if (row.at("kind") == "series" && row.at("modality") == "SEG")
    {
      ++segObjects;
      EXPECT_EQ(row.at("status"), "skipped");
      EXPECT_NE(row.at("reason").get<std::string>().find("Segmentation"), std::string::npos) << row.dump();
    }
  }
  EXPECT_EQ(segObjects, 2U);
}

TEST_F(BatchCommand, SegRoundTripGivesLabelmap)
{
  const fs::path output = fs::path(m_Folder) / "output";
  const auto result = runBatch(output);
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  size_t checked = 0;
  for (const auto & row : readJsonLines(output / "manifest.jsonl"))
  {
    if (row.at("kind") != "series" || row.at("status") != "done")
    {
      continue;
    }
    const fs::path folder = output / row.at("output_folder").get<std::string>();
    const auto labelmap = readLabels(folder / "labelmap.nii.gz");
    const auto fromSeg = unetpp::readDicomSegLabelmap((folder / "segmentation.dcm").string(), { 1, 2 });
    EXPECT_TRUE(sameLabelmap(labelmap, fromSeg)) << row.at("key");

    const std::string verify = "dciodvfy " + quoted((folder / "segmentation.dcm").string()) + " 2>&1";
    FILE * pipe = ::popen(verify.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string report;
    char buffer[4096];
    size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    {
      report.append(buffer, count);
    }
    ::pclose(pipe);
    // dciodvfy prints the name of the IOD it checked on a line of its own; without it the tool did not run.
    EXPECT_NE(("\n" + report).find("\nSegmentation\n"), std::string::npos) << report;
    EXPECT_EQ(report.find("Error"), std::string::npos) << report;

    std::ifstream stream(folder / "result.json");
    const auto summary = nlohmann::json::parse(stream);
    double millilitres = 0.0;
    for (const auto & volume : summary.at("volumes"))
    {
      millilitres += volume.at("volume_ml").get<double>();
    }
    // A hippocampus is a few millilitres; a crop segmented into noise or nothing falls outside this range.
    EXPECT_GT(millilitres, 1.0) << row.at("key");
    EXPECT_LT(millilitres, 8.0) << row.at("key");
    EXPECT_TRUE(fs::exists(folder / "preview.png"));
    ++checked;
  }
  EXPECT_EQ(checked, CropSeries);
}

TEST_F(BatchCommand, RerunAfterKillMatchesCleanRun)
{
  const fs::path clean = fs::path(m_Folder) / "clean";
  const auto reference = runBatch(clean, "--no-preview");
  ASSERT_EQ(reference.exitStatus, 0) << reference.output;

  // Start a run, and kill it hard as soon as a series is half-written in the staging folder.
  const fs::path killed = fs::path(m_Folder) / "killed";
  const StoppedBatch stopped = stopWhenStaged(killed, fs::path(m_Folder) / "killed.log", SIGKILL);
  ASSERT_TRUE(stopped.staged) << "the batch never started a series";

  // Whatever exists under a final name is complete.
  for (const auto & entry : fs::recursive_directory_iterator(killed))
  {
    if (entry.is_directory() && fs::exists(entry.path() / "labelmap.nii.gz"))
    {
      EXPECT_TRUE(fs::exists(entry.path() / "result.json")) << entry.path();
    }
  }

  const auto rerun = runBatch(killed, "--no-preview");
  ASSERT_EQ(rerun.exitStatus, 0) << rerun.output;
  std::map<std::string, fs::path> cleanFolders;
  for (const auto & row : readJsonLines(clean / "manifest.jsonl"))
  {
    if (row.at("kind") == "series" && row.at("status") == "done")
    {
      cleanFolders[row.at("key")] = clean / row.at("output_folder").get<std::string>();
    }
  }
  size_t compared = 0;
  for (const auto & row : readJsonLines(killed / "manifest.jsonl"))
  {
    if (row.at("kind") != "series" || row.at("status") != "done")
    {
      continue;
    }
    const fs::path folder = killed / row.at("output_folder").get<std::string>();
    ASSERT_EQ(cleanFolders.count(row.at("key")), 1U) << row.dump();
    EXPECT_TRUE(sameLabelmap(readLabels(cleanFolders[row.at("key")] / "labelmap.nii.gz"),
                             readLabels(folder / "labelmap.nii.gz")));
    ++compared;
  }
  EXPECT_EQ(compared, cleanFolders.size());
  size_t leftovers = 0;
  for (const auto & entry : fs::recursive_directory_iterator(killed))
  {
    const std::string name = entry.path().filename().string();
    leftovers += (entry.is_regular_file() && (name.rfind(".tmp-", 0) == 0 ||
                                              entry.path().string().find("/.partial/") != std::string::npos))
                   ? 1
                   : 0;
  }
  EXPECT_EQ(leftovers, 0U);
}

TEST_F(BatchCommand, InterruptLeavesPendingSeries)
{
  const fs::path output = fs::path(m_Folder) / "interrupted";
  const fs::path log = fs::path(m_Folder) / "interrupted.log";
  const StoppedBatch stopped = stopWhenStaged(output, log, SIGINT);
  ASSERT_TRUE(stopped.staged) << "the batch never started a series";

  std::ifstream stream(log);
  const std::string text((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(stopped.status)) << text;
  EXPECT_EQ(WEXITSTATUS(stopped.status), 130) << text;
  EXPECT_NE(text.find("interrupted at"), std::string::npos) << text;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
  {
    EXPECT_FALSE(line.rfind("segmenting", 0) == 0 && line.find("100%") != std::string::npos)
      << "the progress shows a finished batch: " << line;
  }

  // The series in progress is abandoned, listed as pending, and nothing of it is left in the staging folder.
  size_t pending = 0;
  for (const auto & row : readJsonLines(output / "manifest.jsonl"))
  {
    pending += row.at("kind") == "series" && row.at("status") == "pending" ? 1 : 0;
  }
  EXPECT_GE(pending, 1U);
  std::error_code ignored;
  EXPECT_TRUE(fs::is_empty(output / ".partial", ignored) || !fs::exists(output / ".partial")) << "staged files remain";
}

TEST_F(BatchCommand, InterruptStopsScan)
{
  // 40,000 links to one slice cost no disk space and take a few seconds to scan (about 10,000 files per
  // second on a 2-core machine), so the scan is still running when the interrupt comes.
  const fs::path input = fs::path(m_Folder) / "large-archive";
  fs::create_directories(input);
  const fs::path slice = fs::directory_iterator(m_Input / "export" / "mr" / "Study1" / "13_HCropVolume")->path();
  constexpr size_t FileCount = 40000;
  for (size_t index = 0; index < FileCount; ++index)
  {
    fs::create_hard_link(slice, input / ("IM" + std::to_string(index)));
  }
  const fs::path output = fs::path(m_Folder) / "scan-interrupted";
  const fs::path log = fs::path(m_Folder) / "scan-interrupted.log";
  const pid_t child = startBatch(input, output, log);
  ASSERT_GT(child, 0) << "the batch could not be started";

  // The first progress line of the scan appears at 10 % of the files.
  const auto readLog = [&] {
    std::ifstream stream(log);
    return std::string((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (readLog().find("scanning") == std::string::npos && std::chrono::steady_clock::now() < deadline)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(child, SIGINT);
  int status = 0;
  ::waitpid(child, &status, 0);

  const std::string text = readLog();
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 130) << text;
  EXPECT_NE(text.find("interrupted while scanning, after"), std::string::npos) << text;
  EXPECT_NE(text.find("of " + std::to_string(FileCount) + " files"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(output / "manifest.jsonl")) << "a manifest of an unfinished scan was written";
}

TEST_F(BatchCommand, ShardsTogetherEqualOneRun)
{
  const fs::path whole = fs::path(m_Folder) / "whole";
  // Two workers in the unsharded run, so that the comparison also covers series processed concurrently.
  const auto wholeRun = runBatch(whole, "--no-preview --no-seg --workers 2");
  ASSERT_EQ(wholeRun.exitStatus, 0) << wholeRun.output;
  std::set<std::string> wholeDone;
  for (const auto & row : readJsonLines(whole / "manifest.jsonl"))
  {
    if (row.at("kind") == "series" && row.at("status") == "done")
    {
      wholeDone.insert(row.at("key").get<std::string>());
    }
  }

  const fs::path shared = fs::path(m_Folder) / "sharded";
  constexpr int Shards = 3;
  std::multiset<std::string> shardDone;
  size_t shardRows = 0;
  for (int shard = 1; shard <= Shards; ++shard)
  {
    const std::string option = "--shard " + std::to_string(shard) + "/" + std::to_string(Shards);
    const auto result = runBatch(shared, "--no-preview --no-seg " + option);
    ASSERT_EQ(result.exitStatus, 0) << result.output;
    const auto rows = readJsonLines(shared / ("manifest-shard-" + std::to_string(shard) + "-of-3.jsonl"));
    shardRows += rows.size();
    for (const auto & row : rows)
    {
      if (row.at("kind") == "series" && row.at("status") == "done")
      {
        EXPECT_EQ(row.at("reason"), "") << "shard " << shard << " reused another run's output: " << row.dump();
        shardDone.insert(row.at("key").get<std::string>());
      }
    }
  }
  EXPECT_EQ(std::set<std::string>(shardDone.begin(), shardDone.end()), wholeDone);
  EXPECT_EQ(shardDone.size(), wholeDone.size()) << "a series was processed by more than one shard";
  EXPECT_EQ(shardRows, readJsonLines(whole / "manifest.jsonl").size());
  for (const auto & key : wholeDone)
  {
    bool found = false;
    for (const auto & study : fs::directory_iterator(whole))
    {
      if (study.is_directory() && fs::exists(study.path() / key / "labelmap.nii.gz"))
      {
        EXPECT_TRUE(sameLabelmap(readLabels(study.path() / key / "labelmap.nii.gz"),
                                 readLabels(shared / study.path().filename() / key / "labelmap.nii.gz")))
          << key;
        found = true;
      }
    }
    EXPECT_TRUE(found) << "no labelmap for " << key;
  }
}

TEST_F(BatchCommand, CraftedUidStaysInsideOutput)
{
  // A copy of one crop series whose Series Instance UID is a path that leads out of the output folder.
  const fs::path crafted = fs::path(m_Folder) / "crafted";
  fs::create_directories(crafted / "series");
  for (const auto & entry : fs::directory_iterator(fs::path(m_Shared) / "mr-dicom-studies" / "Study1" / "13_HCropVolume"))
  {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(entry.path().c_str()).good());
    ASSERT_TRUE(file.getDataset()->putAndInsertString(DCM_SeriesInstanceUID, "../../escape").good());
    ASSERT_TRUE(file.saveFile((crafted / "series" / entry.path().filename()).c_str()).good());
  }
  const fs::path output = fs::path(m_Folder) / "deep" / "output";
  const auto result = runUnetpp("batch --input " + quoted(crafted.string()) + " --output " + quoted(output.string()) +
                                " --threads 2 --no-seg --no-preview");
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  EXPECT_FALSE(fs::exists(fs::path(m_Folder) / "escape"));
  EXPECT_FALSE(fs::exists(output.parent_path() / "escape"));
  size_t labelmaps = 0;
  for (const auto & entry : fs::recursive_directory_iterator(output))
  {
    labelmaps += entry.path().filename() == "labelmap.nii.gz" ? 1 : 0;
  }
  EXPECT_EQ(labelmaps, 1U);
}

TEST_F(BatchCommand, ChangedLevelRedoesSeries)
{
  const fs::path output = fs::path(m_Folder) / "output";
  ASSERT_EQ(runBatch(output, "--no-seg --no-preview").exitStatus, 0);
  const auto rerun = runBatch(output, "--no-seg --no-preview --level 2 --mode fast");
  ASSERT_EQ(rerun.exitStatus, 0) << rerun.output;

  for (const auto & row : readJsonLines(output / "manifest.jsonl"))
  {
    if (row.at("kind") == "series" && row.at("status") == "done")
    {
      EXPECT_EQ(row.at("reason"), "") << "a result made at another level was reused: " << row.dump();
      std::ifstream stream(output / row.at("output_folder").get<std::string>() / "result.json");
      EXPECT_EQ(nlohmann::json::parse(stream).at("settings").at("level"), 2);
    }
  }

  // The hippocampus model was trained without flips, so --tta is refused before the scan writes anything.
  const fs::path unflippedOutput = fs::path(m_Folder) / "unflipped";
  const auto unflipped = runBatch(unflippedOutput, "--tta");
  EXPECT_EQ(unflipped.exitStatus, 2) << unflipped.output;
  EXPECT_NE(unflipped.output.find("option --tta: model"), std::string::npos) << unflipped.output;
  EXPECT_FALSE(fs::exists(unflippedOutput));

  // A copy of the model that records flips accepts it. Test-time augmentation changes the labels, so
  // switching it on redoes the series made with the same model without it.
  unetpp::Model model = unetpp::loadModel(UNETPP_BUNDLED_MODEL);
  model.metadata.training["augmentation"] = "flips,intensity";
  const std::string flipped = (fs::path(m_Folder) / "flipped.unetpp").string();
  unetpp::saveModel(flipped, model.metadata, model.network);
  ASSERT_EQ(runBatch(output, "--no-seg --no-preview --level 2 --mode fast --model " + quoted(flipped)).exitStatus, 0);
  const auto mirrored = runBatch(output, "--no-seg --no-preview --level 2 --mode fast --tta --model " + quoted(flipped));
  ASSERT_EQ(mirrored.exitStatus, 0) << mirrored.output;
  size_t done = 0;
  for (const auto & row : readJsonLines(output / "manifest.jsonl"))
  {
    if (row.at("kind") == "series" && row.at("status") == "done")
    {
      ++done;
      EXPECT_EQ(row.at("reason"), "") << "a result made without --tta was reused: " << row.dump();
      std::ifstream stream(output / row.at("output_folder").get<std::string>() / "result.json");
      const auto result = nlohmann::json::parse(stream);
      EXPECT_EQ(result.at("settings").at("tta"), true);
      EXPECT_EQ(result.at("reason"), "") << "a finished series keeps the reason it had while pending";
    }
  }
  EXPECT_GT(done, 0U);
}

TEST_F(BatchCommand, RetrainedModelRedoesSeries)
{
  // A retrained model keeps the name and the file size of the one before it, and only its weights differ.
  unetpp::Model model = unetpp::loadModel(UNETPP_BUNDLED_MODEL);
  const std::string original = (fs::path(m_Folder) / "original.unetpp").string();
  unetpp::saveModel(original, model.metadata, model.network);
  {
    torch::NoGradGuard noGradient;
    model.network->parameters().front().add_(0.01);
  }
  const std::string retrained = (fs::path(m_Folder) / "retrained.unetpp").string();
  unetpp::saveModel(retrained, model.metadata, model.network);
  ASSERT_EQ(fs::file_size(retrained), fs::file_size(original));

  const fs::path output = fs::path(m_Folder) / "output";
  ASSERT_EQ(runBatch(output, "--no-seg --no-preview --model " + quoted(original)).exitStatus, 0);
  const auto rerun = runBatch(output, "--no-seg --no-preview --model " + quoted(retrained));
  ASSERT_EQ(rerun.exitStatus, 0) << rerun.output;
  size_t done = 0;
  for (const auto & row : readJsonLines(output / "manifest.jsonl"))
  {
    if (row.at("kind") == "series" && row.at("status") == "done")
    {
      ++done;
      EXPECT_EQ(row.at("reason"), "") << "a result of the other model was reused: " << row.dump();
    }
  }
  EXPECT_EQ(done, CropSeries);
}

TEST_F(BatchCommand, OutputInsideInputIsRejected)
{
  const auto result = runBatch(m_Input / "results");
  EXPECT_EQ(result.exitStatus, 2) << result.output;
  EXPECT_NE(result.output.find("inside --input"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(m_Input / "results"));

  const auto same = runBatch(m_Input / "." / "");
  EXPECT_EQ(same.exitStatus, 2) << same.output;
  EXPECT_NE(same.output.find("is the same folder as --input"), std::string::npos) << same.output;
}

TEST_F(BatchCommand, InputThatIsNotFolderIsRejected)
{
  const fs::path output = fs::path(m_Folder) / "output";
  const fs::path missing = fs::path(m_Folder) / "no-such-folder";
  const auto absent = runUnetpp("batch --input " + quoted(missing.string()) + " --output " + quoted(output.string()));
  EXPECT_EQ(absent.exitStatus, 2) << absent.output;
  EXPECT_NE(absent.output.find(missing.string() + " not found"), std::string::npos) << absent.output;

  const fs::path file = fs::path(m_Folder) / "input.txt";
  std::ofstream(file) << "not a folder\n";
  const auto fileInput = runUnetpp("batch --input " + quoted(file.string()) + " --output " + quoted(output.string()));
  EXPECT_EQ(fileInput.exitStatus, 2) << fileInput.output;
  EXPECT_NE(fileInput.output.find("is a file, not a folder"), std::string::npos) << fileInput.output;
  EXPECT_FALSE(fs::exists(output));
}

TEST_F(BatchCommand, OutputThatIsFileIsRejected)
{
  const fs::path output = fs::path(m_Folder) / "output.txt";
  std::ofstream(output) << "not a folder\n";
  const auto result = runBatch(output);
  EXPECT_EQ(result.exitStatus, 2) << result.output;
  EXPECT_NE(result.output.find("is a file, not a folder"), std::string::npos) << result.output;

  const auto inside = runBatch(output / "results");
  EXPECT_EQ(inside.exitStatus, 2) << inside.output;
  EXPECT_NE(inside.output.find("which is a file, not a folder"), std::string::npos) << inside.output;

  const fs::path dangling = fs::path(m_Folder) / "dangling-link";
  fs::create_symlink(fs::path(m_Folder) / "no-such-folder", dangling);
  const auto linked = runBatch(dangling);
  EXPECT_EQ(linked.exitStatus, 2) << linked.output;
  EXPECT_NE(linked.output.find("symbolic link to a missing target"), std::string::npos) << linked.output;
}

TEST_F(BatchCommand, BadShardIsAUsageError)
{
  const auto result = runBatch(fs::path(m_Folder) / "output", "--shard 4/3");
  EXPECT_EQ(result.exitStatus, 2) << result.output;
  EXPECT_NE(result.output.find("--shard"), std::string::npos) << result.output;
}

} // namespace

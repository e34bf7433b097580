// Runs of `unetpp benchmark` with a small model saved by the test, on a real hippocampus volume. The
// benchmark reports figures; these tests check that every requested row is there and that its fields are sane.

#include "CommandRunner.h"
#include "TestModels.h"

#include "unetpp/ModelFile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::quoted;
using unetpp::testing::runUnetpp;

class BenchmarkCommandTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_Folder = unetpp::testing::makeTemporaryFolder();

    // Depth 2 (filters 8-16-32), so pruning levels 1 and 2; three classes as in the hippocampus labels.
    const unetpp::Model model = unetpp::test::randomModel(unetpp::test::smallModelMetadata({ 0, 1, 2 }), 7);
    unetpp::saveModel(modelPath(), model.metadata, model.network);
  }
  void TearDown() override { fs::remove_all(m_Folder); }

  std::string modelPath() const { return m_Folder + "/small.unetpp"; }
  std::string path(const std::string & name) const { return m_Folder + "/" + name; }

  std::string m_Folder;
};

TEST_F(BenchmarkCommandTest, ReportsEveryLevelAndMode)
{
  const std::string data = unetpp::testing::sharedDataFolder();
  const std::string volume = data + "/hippocampus/imagesTr/hippocampus_001.nii.gz";
  if (data.empty() || !fs::exists(volume))
  {
    GTEST_SKIP() << "real data not found: " << volume << " (the shared data folder is absent)";
  }

  const auto result = runUnetpp("benchmark --model " + quoted(modelPath()) + " --input " + quoted(volume) +
                                " --levels 1,2 --modes fast,accurate --runs 2 --warmup 1 --threads 1 --device cpu --csv " +
                                quoted(path("benchmark.csv")) + " --json " + quoted(path("benchmark.json")));
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  std::ifstream jsonStream(path("benchmark.json"));
  const nlohmann::json report = nlohmann::json::parse(jsonStream);
  EXPECT_EQ(report.at("threads"), 1);
  EXPECT_EQ(report.at("device"), "cpu");
  EXPECT_EQ(report.at("runs"), 2);
  ASSERT_EQ(report.at("inputs").size(), 1U);
  const auto slices = report.at("inputs")[0].at("slices").get<int64_t>();
  EXPECT_GT(slices, 1) << "a volume has more than one slice";

  const nlohmann::json & rows = report.at("results");
  ASSERT_EQ(rows.size(), 4U);
  std::set<std::pair<int, std::string>> configurations;
  std::map<std::pair<int, std::string>, int64_t> parameters;
  for (const auto & row : rows)
  {
    const std::pair<int, std::string> configuration{ row.at("level").get<int>(), row.at("mode").get<std::string>() };
    configurations.insert(configuration);
    parameters[configuration] = row.at("parameters").get<int64_t>();
    EXPECT_EQ(row.at("samples"), 2) << "one sample per image per timed run";
    EXPECT_GT(row.at("min_seconds").get<double>(), 0.0);
    EXPECT_LE(row.at("min_seconds").get<double>(), row.at("q1_seconds").get<double>());
    EXPECT_LE(row.at("q1_seconds").get<double>(), row.at("median_seconds").get<double>());
    EXPECT_LE(row.at("median_seconds").get<double>(), row.at("q3_seconds").get<double>());
    EXPECT_LE(row.at("q3_seconds").get<double>(), row.at("max_seconds").get<double>());
    EXPECT_GT(row.at("images_per_second").get<double>(), 0.0);

    // Every sample segments the same volume, so throughput in slices is that in images times the slice count.
    EXPECT_NEAR(row.at("slices_per_second").get<double>(),
                row.at("images_per_second").get<double>() * static_cast<double>(slices),
                1e-6 * row.at("slices_per_second").get<double>());
    EXPECT_GT(row.at("peak_memory_mib").get<double>(), 1.0);
    EXPECT_NE(row.at("peak_memory_source").get<std::string>().find("VmHWM"), std::string::npos);
  }
  const std::set<std::pair<int, std::string>> expected{ { 1, "fast" }, { 1, "accurate" }, { 2, "fast" }, { 2, "accurate" } };
  EXPECT_EQ(configurations, expected);

  // L1 uses x(0,0), x(1,0), the up-sampling of x(1,0), x(0,1) and head 1 (3x3 convolutions with bias, no
  // normalisation; one input channel, filters 8 and 16, three classes):
  //   x(0,0): 1*8*9 + 8 + 8*8*9 + 8 = 664          x(1,0): 8*16*9 + 16 + 16*16*9 + 16 = 3488
  //   up: 2x2 transposed 16 -> 8: 16*8*4 + 8 = 520  x(0,1) over 8 + 8 channels: 16*8*9 + 8 + 8*8*9 + 8 = 1744
  //   head 1: 8*3 + 3 = 27                          total 6443
  EXPECT_EQ((parameters[{ 1, "fast" }]), 6443);
  EXPECT_EQ((parameters[{ 1, "accurate" }]), 6443) << "accurate mode at L1 averages head 1 alone";
  EXPECT_GT((parameters[{ 2, "fast" }]), 6443);
  EXPECT_GT((parameters[{ 2, "accurate" }]), (parameters[{ 2, "fast" }])) << "accurate mode adds head 1";

  std::ifstream csvStream(path("benchmark.csv"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(csvStream, line);)
  {
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 5U) << "a header and one row per level and mode";
  EXPECT_EQ(lines[0].rfind("level,mode,parameters,images,runs,warmup,median_seconds,", 0), 0U) << lines[0];
  EXPECT_EQ(lines[1].rfind("1,fast,6443,1,2,1,", 0), 0U) << lines[1];
  EXPECT_NE(result.output.find("peak memory: VmHWM"), std::string::npos) << result.output;
}

TEST_F(BenchmarkCommandTest, RejectsInvalidOptions)
{
  const std::string common = "benchmark --model " + quoted(modelPath()) + " --input " + quoted(path("absent.nii.gz"));

  const auto level = runUnetpp(common + " --levels 1,3");
  EXPECT_EQ(level.exitStatus, 2) << level.output;
  EXPECT_NE(level.output.find("'3' is not a pruning level of this model; it supports 1,2"), std::string::npos)
    << level.output;

  const auto runs = runUnetpp(common + " --runs 0");
  EXPECT_EQ(runs.exitStatus, 2) << runs.output;
  EXPECT_NE(runs.output.find("--runs must be at least 1"), std::string::npos) << runs.output;

  const auto mode = runUnetpp(common + " --modes fast,slow");
  EXPECT_EQ(mode.exitStatus, 2) << mode.output;
  EXPECT_NE(mode.output.find("'slow' is not an inference mode"), std::string::npos) << mode.output;

  const auto warmup = runUnetpp(common + " --warmup -1");
  EXPECT_EQ(warmup.exitStatus, 2) << warmup.output;
}

} // namespace

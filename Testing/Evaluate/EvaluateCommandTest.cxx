// Runs of `unetpp evaluate` on label images that the tests write. Dice, IoU and the thresholded mean IoU of the
// UNet++ paper (Zhou et al., DLMIA 2018) are worked out by hand. Bad input must skip one case while the others
// are still scored.

#include "CommandRunner.h"
#include "TestModels.h"

#include "unetpp/ModelFile.h"

#include <itkImage.h>
#include <itkImageFileWriter.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::quoted;
using unetpp::testing::runUnetpp;

template <typename PixelType, unsigned Dimension>
void
writeImage(const std::string & path, const std::array<size_t, Dimension> & size, const std::vector<PixelType> & values,
           double spacing = 1.0)
{
  using ImageType = itk::Image<PixelType, Dimension>;
  auto image = ImageType::New();
  typename ImageType::SizeType imageSize;
  for (unsigned axis = 0; axis < Dimension; ++axis)
  {
    imageSize[axis] = size[axis];
  }
  image->SetRegions(typename ImageType::RegionType(imageSize));
  image->SetSpacing(spacing);
  image->Allocate();
  ASSERT_EQ(values.size(), image->GetLargestPossibleRegion().GetNumberOfPixels());
  std::copy(values.begin(), values.end(), image->GetBufferPointer());
  auto writer = itk::ImageFileWriter<ImageType>::New();
  writer->SetFileName(path);
  writer->SetInput(image);
  writer->Update();
}

/** A rows x columns 8-bit image, `value` inside rows [top, top + height) and columns [left, left + width), 0 outside. */
std::vector<unsigned char>
rectangle(size_t rows, size_t columns, size_t top, size_t left, size_t height, size_t width, unsigned char value)
{
  std::vector<unsigned char> pixels(rows * columns, 0);
  for (size_t row = top; row < top + height; ++row)
  {
    for (size_t column = left; column < left + width; ++column)
    {
      pixels[row * columns + column] = value;
    }
  }
  return pixels;
}

nlohmann::json
readJson(const std::string & path)
{
  std::ifstream stream(path);
  return nlohmann::json::parse(stream);
}

std::vector<std::string>
readLines(const std::string & path)
{
  std::ifstream stream(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(stream, line))
  {
    lines.push_back(line);
  }
  return lines;
}

/** The scores of one label value in one case of the JSON report. */
nlohmann::json
caseScores(const nlohmann::json & report, const std::string & name, int labelValue)
{
  for (const auto & entry : report.at("cases"))
  {
    if (entry.at("name") == name)
    {
      for (const auto & scores : entry.at("classes"))
      {
        if (scores.at("label_value") == labelValue)
        {
          return scores;
        }
      }
    }
  }
  ADD_FAILURE() << "no scores for label " << labelValue << " of case " << name;
  return nlohmann::json::object();
}

std::string
skippedReason(const nlohmann::json & report, const std::string & name)
{
  for (const auto & entry : report.at("skipped_cases"))
  {
    if (entry.at("name") == name)
    {
      return entry.at("reason");
    }
  }
  return {};
}

class EvaluateCommandTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_Folder = unetpp::testing::makeTemporaryFolder();
    fs::create_directories(predictions());
    fs::create_directories(truth());
  }
  void TearDown() override { fs::remove_all(m_Folder); }

  std::string predictions() const { return m_Folder + "/predictions"; }
  std::string truth() const { return m_Folder + "/truth"; }
  std::string path(const std::string & name) const { return m_Folder + "/" + name; }

  unetpp::testing::CommandResult evaluateFolders(const std::string & extra = "") const
  {
    return runUnetpp("evaluate --predictions " + quoted(predictions()) + " --truth " + quoted(truth()) + " --json " +
                     quoted(path("report.json")) + " --csv " + quoted(path("report.csv")) + " " + extra);
  }

  /** Truth: a 10x10 square at rows 2-11, columns 2-11 of a 20x20 image, stored 0/255 with grey levels left by resizing. */
  void writeSquarePair(const std::string & name, size_t truthRows = 20) const
  {
    std::vector<unsigned char> truthPixels = rectangle(truthRows, 20, 2, 2, 10, 10, 255);
    truthPixels[3 * 20 + 3] = 200;  // inside the square: at or above 128, so foreground
    truthPixels[15 * 20 + 15] = 100; // outside: below 128, so background
    writeImage<unsigned char, 2>(truth() + "/" + name, { 20, truthRows }, truthPixels);

    // Prediction: the same square shifted right by two columns (columns 4-13), stored 0/1.
    writeImage<unsigned char, 2>(predictions() + "/" + name, { 20, 20 }, rectangle(20, 20, 2, 4, 10, 10, 1));
  }

  std::string m_Folder;
};

TEST_F(EvaluateCommandTest, ShiftedSquareGivesHandComputedScores)
{
  writeSquarePair("square.png");

  const auto result = evaluateFolders();
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  // Both squares hold 100 pixels; they share rows 2-11 and columns 4-11, 10 x 8 = 80 pixels.
  // Dice = 2 * 80 / (100 + 100) = 0.8; IoU = 80 / (100 + 100 - 80) = 2/3.
  const nlohmann::json report = readJson(path("report.json"));
  const nlohmann::json scores = caseScores(report, "square.png", 1);
  EXPECT_NEAR(scores.at("dice").get<double>(), 0.8, 1e-12);
  EXPECT_NEAR(scores.at("iou").get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(scores.at("true_positives"), 80);
  EXPECT_EQ(scores.at("false_positives"), 20);
  EXPECT_EQ(scores.at("false_negatives"), 20);
  EXPECT_EQ(report.at("classes").size(), 1U) << "0/255 truth and 0/1 prediction are both one foreground label";
  EXPECT_EQ(report.at("evaluated_cases"), 1);
  EXPECT_TRUE(report.at("skipped_cases").empty());

  // A labelmap has no probabilities, so paper_mean_iou cannot be computed, and the report gives the reason.
  EXPECT_FALSE(report.at("paper_mean_iou").at("available").get<bool>());
  EXPECT_NE(report.at("paper_mean_iou").at("reason").get<std::string>().find("labelmap"), std::string::npos);
  EXPECT_NE(result.output.find("paper_mean_iou: not available"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("0.8000"), std::string::npos) << result.output;
}

TEST_F(EvaluateCommandTest, VolumesScoreEachClassAndEmptyMasks)
{
  // 10 x 10 x 4 volumes with labels 1 and 2; index = z * 100 + y * 10 + x.
  const std::array<size_t, 3> size{ 10, 10, 4 };
  const auto volume = [](const std::vector<std::tuple<int, int, int, unsigned char>> & slabs) {
    // Each slab (z, first row, row count, label) fills whole rows of one slice.
    std::vector<unsigned char> voxels(400, 0);
    for (const auto & [z, firstRow, rowCount, label] : slabs)
    {
      std::fill_n(voxels.begin() + z * 100 + firstRow * 10, rowCount * 10, label);
    }
    return voxels;
  };

  // Case a: label 1 fills slice 0 (100 voxels) and the prediction its rows 0-7 (80): TP 80, FN 20, so
  // Dice = 160 / 180 = 8/9 and IoU = 80 / 100 = 0.8. Label 2 (rows 0-4 of slice 2) is predicted exactly: 1 and 1.
  writeImage<unsigned char, 3>(truth() + "/a.nii.gz", size, volume({ { 0, 0, 10, 1 }, { 2, 0, 5, 2 } }), 1.5);
  writeImage<unsigned char, 3>(predictions() + "/a.nii.gz", size, volume({ { 0, 0, 8, 1 }, { 2, 0, 5, 2 } }), 1.5);

  // Case b: label 1 is rows 0-1 of slice 1 (20 voxels), predicted as rows 0-3 (40): TP 20, FP 20, so
  // Dice = 40 / 60 = 2/3 and IoU = 20 / 40 = 0.5. Label 2 is absent from both: 1 and 1 by the convention.
  writeImage<unsigned char, 3>(truth() + "/b.nii.gz", size, volume({ { 1, 0, 2, 1 } }), 1.5);
  writeImage<unsigned char, 3>(predictions() + "/b.nii.gz", size, volume({ { 1, 0, 4, 1 } }), 1.5);

  // Case c: label 1 absent from both (1 and 1); label 2 only in the truth (row 9 of slice 3), so 0 and 0.
  writeImage<unsigned char, 3>(truth() + "/c.nii.gz", size, volume({ { 3, 9, 1, 2 } }), 1.5);
  writeImage<unsigned char, 3>(predictions() + "/c.nii.gz", size, volume({}), 1.5);

  const auto result = evaluateFolders();
  ASSERT_EQ(result.exitStatus, 0) << result.output;
  const nlohmann::json report = readJson(path("report.json"));

  EXPECT_NEAR(caseScores(report, "a.nii.gz", 1).at("dice").get<double>(), 8.0 / 9.0, 1e-12);
  EXPECT_NEAR(caseScores(report, "a.nii.gz", 1).at("iou").get<double>(), 0.8, 1e-12);
  EXPECT_NEAR(caseScores(report, "a.nii.gz", 2).at("dice").get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(caseScores(report, "b.nii.gz", 1).at("dice").get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(caseScores(report, "b.nii.gz", 1).at("iou").get<double>(), 0.5, 1e-12);
  EXPECT_EQ(caseScores(report, "b.nii.gz", 2).at("dice").get<double>(), 1.0);
  EXPECT_TRUE(caseScores(report, "b.nii.gz", 2).at("empty_in_both").get<bool>());
  EXPECT_EQ(caseScores(report, "c.nii.gz", 1).at("iou").get<double>(), 1.0);
  EXPECT_EQ(caseScores(report, "c.nii.gz", 2).at("dice").get<double>(), 0.0);
  EXPECT_EQ(caseScores(report, "c.nii.gz", 2).at("iou").get<double>(), 0.0);
  EXPECT_FALSE(caseScores(report, "c.nii.gz", 2).at("empty_in_both").get<bool>());

  // Label 1 Dice over the cases: 8/9, 2/3, 1 = 24/27, 18/27, 27/27; mean 23/27; deviations 1/27, -5/27, 4/27;
  // population variance (1 + 25 + 16) / (3 * 27^2). Label 2 Dice: 1, 1, 0; mean 2/3; variance (1/9 + 1/9 + 4/9) / 3.
  const nlohmann::json & summary = report.at("summary");
  ASSERT_EQ(summary.size(), 2U);
  EXPECT_EQ(summary[0].at("label_value"), 1);
  EXPECT_NEAR(summary[0].at("dice_mean").get<double>(), 23.0 / 27.0, 1e-12);
  EXPECT_NEAR(summary[0].at("dice_standard_deviation").get<double>(), std::sqrt(42.0 / (3.0 * 27.0 * 27.0)), 1e-12);
  EXPECT_EQ(summary[0].at("empty_in_both_cases"), 1);
  EXPECT_NEAR(summary[1].at("dice_mean").get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(summary[1].at("dice_standard_deviation").get<double>(), std::sqrt(2.0 / 9.0), 1e-12);
  EXPECT_EQ(summary[1].at("empty_in_both_cases"), 1);

  // The convention for empty masks is stated in the report and in the output.
  EXPECT_NE(report.at("empty_mask_convention").get<std::string>().find("absent from both"), std::string::npos);
  EXPECT_NE(result.output.find("empty masks:"), std::string::npos) << result.output;

  // CSV: a header and one row per case and foreground class, 3 x 2.
  const auto lines = readLines(path("report.csv"));
  ASSERT_EQ(lines.size(), 7U);
  EXPECT_EQ(lines[0], "case,label_value,class,dice,iou,true_positives,false_positives,false_negatives,empty_in_both");
  EXPECT_EQ(lines[1].rfind("a.nii.gz,1,label 1,", 0), 0U) << lines[1];
  EXPECT_NE(lines[1].find(",80,0,20,false"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[4], "b.nii.gz,2,label 2,1,1,0,0,0,true");
}

TEST_F(EvaluateCommandTest, PaperMeanIouFromProbabilityImages)
{
  // Two 4 x 1 images of foreground probabilities (float, so read as probabilities) and their 0/1 truth.
  // Foreground pixels have p = 0.52, 0.62, 0.97 (image A) and 0.82 (image B); background pixels p = 0.30 (A)
  // and 0.10, 0.56, 0.93 (B). No p lies on a threshold. Foreground where p > t, counts summed over both images
  // (4 foreground, 4 background pixels), IoU_fg = TP / (TP + FP + FN), IoU_bg = TN / (TN + FN + FP):
  //   t = 0.50: TP 4 FP 2 FN 0 TN 2: 4/6 and 2/4, mean 7/12
  //   t = 0.55: TP 3 FP 2 FN 1 TN 2: 3/6 and 2/5, mean 9/20
  //   t = 0.60: TP 3 FP 1 FN 1 TN 3: 3/5 and 3/5, mean 3/5
  //   t = 0.65, 0.70, 0.75, 0.80: TP 2 FP 1 FN 2 TN 3: 2/5 and 3/6, mean 9/20
  //   t = 0.85, 0.90: TP 1 FP 1 FN 3 TN 3: 1/5 and 3/7, mean 11/35
  //   t = 0.95: TP 1 FP 0 FN 3 TN 4: 1/4 and 4/7, mean 23/56
  const std::vector<double> expectedPerThreshold{ 7.0 / 12, 9.0 / 20, 3.0 / 5,   9.0 / 20,  9.0 / 20,
                                                  9.0 / 20, 9.0 / 20, 11.0 / 35, 11.0 / 35, 23.0 / 56 };
  double expectedMean = 0.0;
  for (const double value : expectedPerThreshold)
  {
    expectedMean += value / 10.0;
  }

  writeImage<float, 2>(predictions() + "/a.nii.gz", { 4, 1 }, { 0.52F, 0.62F, 0.97F, 0.30F });
  writeImage<unsigned char, 2>(truth() + "/a.nii.gz", { 4, 1 }, { 1, 1, 1, 0 });
  writeImage<float, 2>(predictions() + "/b.nii.gz", { 4, 1 }, { 0.82F, 0.10F, 0.56F, 0.93F });
  writeImage<unsigned char, 2>(truth() + "/b.nii.gz", { 4, 1 }, { 1, 0, 0, 0 });

  const auto result = evaluateFolders();
  ASSERT_EQ(result.exitStatus, 0) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  const nlohmann::json & paper = report.at("paper_mean_iou");
  ASSERT_TRUE(paper.at("available").get<bool>()) << paper.dump();
  EXPECT_NEAR(paper.at("value").get<double>(), expectedMean, 1e-12);
  EXPECT_EQ(paper.at("images"), 2);
  ASSERT_EQ(paper.at("per_threshold").size(), 10U);
  for (size_t index = 0; index < 10; ++index)
  {
    EXPECT_NEAR(paper.at("per_threshold")[index].at("threshold").get<double>(), 0.50 + 0.05 * static_cast<double>(index), 1e-12);
    EXPECT_NEAR(paper.at("per_threshold")[index].at("mean_iou").get<double>(), expectedPerThreshold[index], 1e-12)
      << "threshold index " << index;
  }

  // Labels come from p > 0.5: image B predicts pixels 0, 2 and 3 against truth pixel 0, so TP 1, FP 2:
  // Dice = 2 / 4 = 0.5. Image A predicts its three foreground pixels exactly: Dice 1.
  EXPECT_NEAR(caseScores(report, "b.nii.gz", 1).at("dice").get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(caseScores(report, "a.nii.gz", 1).at("dice").get<double>(), 1.0, 1e-12);
  EXPECT_NE(result.output.find("paper_mean_iou: 0.4473"), std::string::npos) << result.output;
}

TEST_F(EvaluateCommandTest, MismatchedSizeSkipsOnlyThatCase)
{
  writeSquarePair("good.png");
  writeSquarePair("taller.png", 21);

  const auto result = evaluateFolders();
  EXPECT_EQ(result.exitStatus, 1) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  EXPECT_EQ(report.at("evaluated_cases"), 1);
  EXPECT_NEAR(caseScores(report, "good.png", 1).at("dice").get<double>(), 0.8, 1e-12);
  const std::string reason = skippedReason(report, "taller.png");
  EXPECT_NE(reason.find("size differs: prediction 20 x 20 voxels, ground truth 20 x 21 voxels"), std::string::npos)
    << reason;
  EXPECT_NE(result.output.find("  taller.png: size differs"), std::string::npos) << result.output;
}

TEST_F(EvaluateCommandTest, MismatchedSpacingSkipsCase)
{
  const std::vector<unsigned char> voxels(2 * 2 * 2, 1);
  writeImage<unsigned char, 3>(predictions() + "/same.nii.gz", { 2, 2, 2 }, voxels, 1.0);
  writeImage<unsigned char, 3>(truth() + "/same.nii.gz", { 2, 2, 2 }, voxels, 1.0);
  writeImage<unsigned char, 3>(predictions() + "/coarse.nii.gz", { 2, 2, 2 }, voxels, 1.0);
  writeImage<unsigned char, 3>(truth() + "/coarse.nii.gz", { 2, 2, 2 }, voxels, 2.0);

  const auto result = evaluateFolders();
  EXPECT_EQ(result.exitStatus, 1) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  EXPECT_EQ(report.at("evaluated_cases"), 1);
  EXPECT_EQ(caseScores(report, "same.nii.gz", 1).at("dice").get<double>(), 1.0);
  EXPECT_NE(skippedReason(report, "coarse.nii.gz").find("spacing differs: prediction 1 x 1 x 1 mm, ground truth 2 x 2 x 2 mm"),
            std::string::npos)
    << report.at("skipped_cases").dump();
}

TEST_F(EvaluateCommandTest, MissingPairsAreReported)
{
  writeSquarePair("both.png");
  writeImage<unsigned char, 2>(truth() + "/truth-only.png", { 20, 20 }, rectangle(20, 20, 0, 0, 5, 5, 255));
  writeImage<unsigned char, 2>(predictions() + "/prediction-only.png", { 20, 20 }, rectangle(20, 20, 0, 0, 5, 5, 1));

  const auto result = evaluateFolders();
  EXPECT_EQ(result.exitStatus, 1) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  EXPECT_EQ(report.at("evaluated_cases"), 1);
  EXPECT_EQ(report.at("skipped_cases").size(), 2U);
  EXPECT_NE(skippedReason(report, "truth-only.png").find("no prediction file"), std::string::npos);
  EXPECT_NE(skippedReason(report, "prediction-only.png").find("no ground-truth file"), std::string::npos);
  EXPECT_NE(result.output.find("2 case(s) skipped"), std::string::npos) << result.output;
}

TEST_F(EvaluateCommandTest, InvalidOptionCombinationsAreRejected)
{
  EXPECT_EQ(runUnetpp("evaluate --predictions " + quoted(predictions())).exitStatus, 2);
  EXPECT_EQ(runUnetpp("evaluate --data " + quoted(truth())).exitStatus, 2);
  EXPECT_EQ(runUnetpp("evaluate --predictions " + quoted(predictions()) + " --truth " + quoted(truth()) + " --level 2")
              .exitStatus,
            2);
  const auto tta = runUnetpp("evaluate --predictions " + quoted(predictions()) + " --truth " + quoted(truth()) + " --tta");
  EXPECT_EQ(tta.exitStatus, 2) << tta.output;
  EXPECT_NE(tta.output.find("--tta applies only to --model with --data"), std::string::npos) << tta.output;
}

/**
 * Model mode with a binary model whose output is a constant foreground probability of 0.72: every weight is
 * zero, so every node is 0 after its ReLU and head 1 returns its bias, logit(0.72) = ln(0.72 / 0.28).
 */
class EvaluateModelTest : public EvaluateCommandTest
{
protected:
  static constexpr double ForegroundProbability = 0.72;

  void SetUp() override
  {
    EvaluateCommandTest::SetUp();
    unetpp::ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
    metadata.training["validation_case_names"] = { "case_a.nii.gz" };
    metadata.training["augmentation"] = "flips";
    unetpp::Model model = unetpp::test::randomModel(metadata, 1);
    {
      torch::NoGradGuard noGrad;
      for (auto & parameter : model.network->parameters())
      {
        parameter.zero_();
      }
      auto * bias = model.network->named_parameters().find("head1.bias");
      ASSERT_NE(bias, nullptr);
      bias->fill_(std::log(ForegroundProbability / (1.0 - ForegroundProbability)));
    }
    unetpp::saveModel(path("constant.unetpp"), metadata, model.network);

    // A Decathlon layout with 16 x 16 x 2 volumes.
    fs::create_directories(path("data/imagesTr"));
    fs::create_directories(path("data/labelsTr"));
    const std::vector<float> image(16 * 16 * 2, 100.0F);
    for (const char * name : { "case_a.nii.gz", "case_b.nii.gz", "case_c.nii.gz" })
    {
      writeImage<float, 3>(path("data/imagesTr/") + name, { 16, 16, 2 }, image);
    }

    // case_a: foreground in rows 0-2 of slice 0, 48 of the 512 voxels.
    std::vector<unsigned char> labels(16 * 16 * 2, 0);
    std::fill_n(labels.begin(), 48, 1);
    writeImage<unsigned char, 3>(path("data/labelsTr/case_a.nii.gz"), { 16, 16, 2 }, labels);

    // case_b: a label value 7 that the model does not know.
    labels[100] = 7;
    writeImage<unsigned char, 3>(path("data/labelsTr/case_b.nii.gz"), { 16, 16, 2 }, labels);

    // case_c: a label volume with one slice more than its image.
    writeImage<unsigned char, 3>(path("data/labelsTr/case_c.nii.gz"), { 16, 16, 3 }, std::vector<unsigned char>(16 * 16 * 3, 0));
  }

  unetpp::testing::CommandResult evaluateModel(const std::string & extra) const
  {
    return runUnetpp("evaluate --model " + quoted(path("constant.unetpp")) + " --data " + quoted(path("data")) +
                     " --level 1 --mode fast --threads 1 --json " + quoted(path("report.json")) + " " + extra);
  }
};

TEST_F(EvaluateModelTest, ConstantModelScoresAndSkipsBadCases)
{
  const auto result = evaluateModel("");
  EXPECT_EQ(result.exitStatus, 1) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  EXPECT_EQ(report.at("settings").at("source"), "model");
  EXPECT_EQ(report.at("settings").at("level"), 1);
  EXPECT_EQ(report.at("evaluated_cases"), 1);

  // p = 0.72 > 0.5 everywhere, so all 512 voxels are foreground against 48 true ones:
  // TP 48, FP 464, Dice = 96 / (96 + 464), IoU = 48 / 512.
  EXPECT_NEAR(caseScores(report, "case_a.nii.gz", 1).at("dice").get<double>(), 96.0 / 560.0, 1e-12);
  EXPECT_NEAR(caseScores(report, "case_a.nii.gz", 1).at("iou").get<double>(), 48.0 / 512.0, 1e-12);

  // Thresholds 0.50-0.70 (p > t): all foreground, IoU_fg = 48/512, IoU_bg = 0, mean 48/1024.
  // Thresholds 0.75-0.95: all background, IoU_fg = 0, IoU_bg = 464/512, mean 464/1024. Mean over the 10: 0.25.
  const nlohmann::json & paper = report.at("paper_mean_iou");
  ASSERT_TRUE(paper.at("available").get<bool>()) << paper.dump();
  EXPECT_NEAR(paper.at("per_threshold")[0].at("mean_iou").get<double>(), 48.0 / 1024.0, 1e-12);
  EXPECT_NEAR(paper.at("per_threshold")[4].at("mean_iou").get<double>(), 48.0 / 1024.0, 1e-12);
  EXPECT_NEAR(paper.at("per_threshold")[5].at("mean_iou").get<double>(), 464.0 / 1024.0, 1e-12);
  EXPECT_NEAR(paper.at("value").get<double>(), 0.25, 1e-12);

  EXPECT_NE(skippedReason(report, "case_b.nii.gz").find("label value(s) 7, which the model does not know"), std::string::npos)
    << report.at("skipped_cases").dump();
  EXPECT_NE(skippedReason(report, "case_c.nii.gz").find("size differs"), std::string::npos)
    << report.at("skipped_cases").dump();
}

TEST_F(EvaluateModelTest, CasesFromModelSelectValidationCases)
{
  const auto result = evaluateModel("--cases-from-model");
  ASSERT_EQ(result.exitStatus, 0) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  ASSERT_EQ(report.at("cases").size(), 1U);
  EXPECT_EQ(report.at("cases")[0].at("name"), "case_a.nii.gz");
}

TEST_F(EvaluateModelTest, MirroringKeepsConstantScores)
{
  // The constant model predicts 0.72 everywhere, and so do its mirror images. The scores of
  // ConstantModelScoresAndSkipsBadCases must stay the same, and the report must record the mirroring.
  const auto result = evaluateModel("--tta --cases case_a");
  ASSERT_EQ(result.exitStatus, 0) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  EXPECT_EQ(report.at("settings").at("tta"), true);
  EXPECT_NEAR(caseScores(report, "case_a.nii.gz", 1).at("dice").get<double>(), 96.0 / 560.0, 1e-12);
  EXPECT_NEAR(report.at("paper_mean_iou").at("value").get<double>(), 0.25, 1e-12);
}

TEST_F(EvaluateModelTest, MirroringNeedsFlips)
{
  unetpp::Model model = unetpp::loadModel(path("constant.unetpp"));
  model.metadata.training["augmentation"] = "intensity";
  unetpp::saveModel(path("unflipped.unetpp"), model.metadata, model.network);
  const auto result = runUnetpp("evaluate --model " + quoted(path("unflipped.unetpp")) + " --data " +
                                quoted(path("data")) + " --tta --threads 1");
  EXPECT_EQ(result.exitStatus, 2) << result.output;
  EXPECT_NE(result.output.find("option --tta: model 'small test model' was not trained on mirrored images"),
            std::string::npos)
    << result.output;
}

TEST_F(EvaluateModelTest, MissingLevelIsUsageError)
{
  // The test model has depth 2, so levels 1 and 2 exist and 3 does not.
  const auto result = runUnetpp("evaluate --model " + quoted(path("constant.unetpp")) + " --data " + quoted(path("data")) +
                                " --level 3");
  EXPECT_EQ(result.exitStatus, 2) << result.output;
  EXPECT_NE(result.output.find("option --level: pruning level 3 is not available"), std::string::npos) << result.output;
}

TEST_F(EvaluateModelTest, UnknownCaseNameIsSkipped)
{
  const auto result = evaluateModel("--cases case_a,case_x");
  EXPECT_EQ(result.exitStatus, 1) << result.output;
  const nlohmann::json report = readJson(path("report.json"));
  EXPECT_EQ(report.at("evaluated_cases"), 1);
  EXPECT_NE(skippedReason(report, "case_x").find("no image with this name"), std::string::npos)
    << report.at("skipped_cases").dump();
}

} // namespace

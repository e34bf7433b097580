// `unetpp train` on real 2D RGB images (nuclei96), kept to a few seconds with tiny networks, and
// `unetpp segment` on a PNG with the model it writes.

#include "CommandRunner.h"

#include "unetpp/ModelFile.h"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageRegionConstIterator.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::quoted;
using unetpp::testing::runUnetpp;

class TrainCommand : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    const std::string shared = unetpp::testing::sharedDataFolder();
    if (shared.empty() || !fs::is_directory(fs::path(shared) / "nuclei96" / "images"))
    {
      GTEST_SKIP() << "real data folder ../shared/data/nuclei96 is absent; the training tests need it";
    }
    m_Data = (fs::path(shared) / "nuclei96").string();
    m_Folder = unetpp::testing::makeTemporaryFolder();
  }

  void
  TearDown() override
  {
    if (!m_Folder.empty())
    {
      fs::remove_all(m_Folder);
    }
  }

  /** Trains a 3-level UNet++ with 4 base filters for `epochs` epochs on the first 10 images. */
  unetpp::testing::CommandResult
  train(const std::string & output, const std::string & extraArguments, int epochs = 1) const
  {
    return runUnetpp("train --data " + quoted(m_Data) + " --output " + quoted(output) +
                     " --filters 4,8,16 --patch 96x96 --intensity scale:0.00392 --epochs " + std::to_string(epochs) +
                     " --batch-size 4 --max-cases 10 --threads 1 --classes background,nucleus " + extraArguments);
  }

  std::string m_Data;
  std::string m_Folder;
};

std::vector<std::string>
validationNames(const std::string & modelPath)
{
  const unetpp::ModelMetadata metadata = unetpp::readModelMetadata(modelPath);
  return metadata.training.at("validation_case_names").get<std::vector<std::string>>();
}

TEST_F(TrainCommand, RgbImagesGiveAThreeChannelModel)
{
  const std::string model = m_Folder + "/rgb.unetpp";
  const auto result = train(model, "");
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  const unetpp::ModelMetadata metadata = unetpp::readModelMetadata(model);
  EXPECT_EQ(metadata.network.inputChannels, 3);
  // 10 cases with a validation fraction of 0.2 leave 2 for validation.
  EXPECT_EQ(validationNames(model).size(), 2U);
  EXPECT_FALSE(fs::exists(model + ".checkpoints/state.json.tmp"));
}

TEST_F(TrainCommand, SplitSeedAloneDecidesTheValidationCases)
{
  const auto first = train(m_Folder + "/seed1.unetpp", "--seed 1 --split-seed 7");
  ASSERT_EQ(first.exitStatus, 0) << first.output;
  const auto second = train(m_Folder + "/seed2.unetpp", "--seed 2 --split-seed 7");
  ASSERT_EQ(second.exitStatus, 0) << second.output;
  const auto otherSplit = train(m_Folder + "/split8.unetpp", "--seed 1 --split-seed 8 --validation-fraction 0.5");
  ASSERT_EQ(otherSplit.exitStatus, 0) << otherSplit.output;

  EXPECT_EQ(validationNames(m_Folder + "/seed1.unetpp"), validationNames(m_Folder + "/seed2.unetpp"));
  EXPECT_NE(validationNames(m_Folder + "/seed1.unetpp"), validationNames(m_Folder + "/split8.unetpp"));
}

TEST_F(TrainCommand, PngImageGivesPngLabelmapOnItsGrid)
{
  const std::string model = m_Folder + "/rgb.unetpp";
  const auto trained = train(model, "");
  ASSERT_EQ(trained.exitStatus, 0) << trained.output;

  const std::string image = (fs::path(m_Data) / "images" / validationNames(model).front()).string();
  const std::string labelmap = m_Folder + "/labelmap.png";
  const auto segmented = runUnetpp("segment --model " + quoted(model) + " --input " + quoted(image) + " --output " +
                                   quoted(labelmap) + " --threads 1");
  ASSERT_EQ(segmented.exitStatus, 0) << segmented.output;

  using LabelImage = itk::Image<unsigned char, 2>;
  auto reader = itk::ImageFileReader<LabelImage>::New();
  reader->SetFileName(labelmap);
  reader->Update();
  const LabelImage * labels = reader->GetOutput();
  EXPECT_EQ(labels->GetLargestPossibleRegion().GetSize()[0], 96U);
  EXPECT_EQ(labels->GetLargestPossibleRegion().GetSize()[1], 96U);
  // A labelmap of a two-class model holds only the label values 0 and 1, whatever one epoch learned.
  itk::ImageRegionConstIterator<LabelImage> voxel(labels, labels->GetLargestPossibleRegion());
  for (; !voxel.IsAtEnd(); ++voxel)
  {
    ASSERT_LE(voxel.Get(), 1) << "label value outside the model's classes";
  }
}

TEST_F(TrainCommand, RgbModelRejectsGreyImage)
{
  const std::string model = m_Folder + "/rgb.unetpp";
  const auto trained = train(model, "");
  ASSERT_EQ(trained.exitStatus, 0) << trained.output;

  const std::string shared = unetpp::testing::sharedDataFolder();
  const std::string grey = shared + "/isbi2012-em/images/0.png";
  if (!fs::exists(grey))
  {
    GTEST_SKIP() << grey << " is absent";
  }
  const std::string output = m_Folder + "/grey.png";
  const auto result = runUnetpp("segment --model " + quoted(model) + " --input " + quoted(grey) + " --output " +
                                quoted(output) + " --threads 1");
  EXPECT_NE(result.exitStatus, 0);
  EXPECT_NE(result.output.find("expects 3 image channel(s) but the image has 1"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(output));
}

} // namespace

TEST_F(TrainCommand, CosineScheduleKeptOnResume)
{
  const std::string model = m_Folder + "/cosine.unetpp";
  // A patience above the epoch count keeps early stopping from ending the run before the third epoch.
  const auto trained = train(model, "--learning-rate 0.001 --learning-rate-schedule cosine --patience 5", 3);
  ASSERT_EQ(trained.exitStatus, 0) << trained.output;

  std::ifstream stream(model + ".checkpoints/state.json");
  const auto state = nlohmann::json::parse(stream);
  const auto & history = state.at("history");
  ASSERT_EQ(history.size(), 3U);
  // Over 3 epochs the cosine runs from the rate to a hundredth of it, passing their mean halfway.
  EXPECT_DOUBLE_EQ(history[0].at("learning_rate").get<double>(), 1e-3);
  EXPECT_NEAR(history[1].at("learning_rate").get<double>(), (1e-3 + 1e-5) / 2.0, 1e-15);
  EXPECT_NEAR(history[2].at("learning_rate").get<double>(), 1e-5, 1e-15);
  EXPECT_EQ(unetpp::readModelMetadata(model).training.at("learning_rate_schedule"), "cosine");

  // The schedule is spread over --epochs, so the same checkpoints cannot be continued with another count.
  const auto longer = train(model, "--learning-rate 0.001 --learning-rate-schedule cosine --patience 5", 4);
  EXPECT_NE(longer.exitStatus, 0);
  EXPECT_NE(longer.output.find("holds a run with other settings or cases (different: max_epochs)"), std::string::npos)
    << longer.output;

  const auto unknown = train(m_Folder + "/step.unetpp", "--learning-rate-schedule step");
  EXPECT_NE(unknown.exitStatus, 0);
  EXPECT_NE(unknown.output.find("--learning-rate-schedule expects constant or cosine, got 'step'"), std::string::npos)
    << unknown.output;
}

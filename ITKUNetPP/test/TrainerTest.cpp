#include "TestModels.h"

#include "unetpp/Trainer.h"

#include <gtest/gtest.h>

#include <string>

namespace
{

unetpp::TrainingOptions
cosineOptions(double rate, int maxEpochs)
{
  unetpp::TrainingOptions options;
  options.learningRate = rate;
  options.maxEpochs = maxEpochs;
  options.learningRateSchedule = "cosine";
  return options;
}

TEST(LearningRateSchedule, ConstantKeepsTheRateAtEveryEpoch)
{
  unetpp::TrainingOptions options;
  options.learningRate = 3e-4;
  options.maxEpochs = 50;
  for (const int epoch : { 1, 2, 25, 50 })
  {
    EXPECT_DOUBLE_EQ(unetpp::learningRateAt(options, epoch), 3e-4) << "epoch " << epoch;
  }
}

TEST(LearningRateSchedule, CosineEndsAtOneHundredth)
{
  const auto options = cosineOptions(1e-3, 101);
  EXPECT_DOUBLE_EQ(unetpp::learningRateAt(options, 1), 1e-3);
  EXPECT_DOUBLE_EQ(unetpp::learningRateAt(options, 101), 1e-5);
  // Epoch 51 is halfway through the 100 steps, where cos(pi/2) = 0: the mean of
  // the first and last rates.
  EXPECT_NEAR(unetpp::learningRateAt(options, 51), (1e-3 + 1e-5) / 2.0, 1e-15);
  // A quarter of the way: 1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + cos(pi/4)), with
  // cos(pi/4) = 0.70710678...
  EXPECT_NEAR(unetpp::learningRateAt(options, 26), 1e-5 + 0.495e-3 * 1.7071067811865475, 1e-15);
}

TEST(LearningRateSchedule, CosineFallsEveryEpoch)
{
  const auto options = cosineOptions(3e-4, 40);
  for (int epoch = 2; epoch <= 40; ++epoch)
  {
    EXPECT_LT(unetpp::learningRateAt(options, epoch), unetpp::learningRateAt(options, epoch - 1)) << "epoch " << epoch;
  }
}

TEST(LearningRateSchedule, UnknownScheduleIsRejected)
{
  const unetpp::ModelMetadata base = unetpp::test::smallModelMetadata();
  unetpp::TrainingOptions options;
  options.learningRateSchedule = "step";
  try
  {
    unetpp::Trainer trainer(base, options);
    FAIL() << "a trainer was made with the schedule 'step'";
  }
  catch (const std::invalid_argument& error)
  {
    EXPECT_NE(std::string(error.what()).find("schedule must be constant or cosine, got 'step'"), std::string::npos)
      << error.what();
  }
}

} // namespace

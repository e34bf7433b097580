#include "unetpp/UNetPlusPlus.h"

#include <gtest/gtest.h>

#include <set>

using unetpp::Architecture;
using unetpp::InferenceMode;
using unetpp::NetworkConfig;
using unetpp::NodeIndex;
using unetpp::UNetPlusPlus;

namespace
{

// The configuration of Zhou et al. (DLMIA 2018): one input channel, one output, filters 32-64-128-256-512,
// no normalisation, 2x2 transposed convolutions. The expected counts below are the figures that paper's
// architecture table gives. They follow from the layer shapes alone, so they check the wiring of every node.
NetworkConfig
paperConfig(Architecture architecture, bool deepSupervision)
{
  NetworkConfig config;
  config.architecture = architecture;
  config.deepSupervision = deepSupervision;
  return config;
}

NetworkConfig
smallConfig()
{
  NetworkConfig config;
  config.filters = { 4, 8, 16, 32, 64 };
  config.outputChannels = 3;
  return config;
}

} // namespace

TEST(Network, UNetParameterCountMatchesPaper)
{
  UNetPlusPlus network(paperConfig(Architecture::UNet, false));
  EXPECT_EQ(network->parameterCount(), 7759521);
}

TEST(Network, UNetPlusPlusOneHeadMatchesPaper)
{
  UNetPlusPlus network(paperConfig(Architecture::UNetPlusPlus, false));
  EXPECT_EQ(network->parameterCount(), 9041601);
}

TEST(Network, UNetPlusPlusFourHeadsMatchesPaper)
{
  UNetPlusPlus network(paperConfig(Architecture::UNetPlusPlus, true));
  EXPECT_EQ(network->parameterCount(), 9041700);
}

TEST(Network, PrunedParameterCountsMatchPaper)
{
  UNetPlusPlus network(paperConfig(Architecture::UNetPlusPlus, true));
  EXPECT_EQ(network->parameterCount(1, InferenceMode::Fast), 100961);
  EXPECT_EQ(network->parameterCount(2, InferenceMode::Fast), 511105);
  EXPECT_EQ(network->parameterCount(3, InferenceMode::Fast), 2204961);
  EXPECT_EQ(network->parameterCount(4, InferenceMode::Fast), 9041601);
}

TEST(Network, WideUNetIsUNetWithWiderFilters)
{
  // Wide U-Net in the paper uses filters 35-70-140-280-560 so that its size is close to UNet++.
  NetworkConfig config = paperConfig(Architecture::UNet, false);
  config.filters = { 35, 70, 140, 280, 560 };
  UNetPlusPlus network(config);
  EXPECT_GT(network->parameterCount(), 9000000);
  EXPECT_LT(network->parameterCount(), 9300000);
}

TEST(Network, PrunedForwardEqualsFullNetworkHead)
{
  torch::manual_seed(7);
  UNetPlusPlus network(smallConfig());
  network->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor input = torch::randn({ 2, 1, 32, 48 });

  const auto fullHeads = network->forwardHeads(input, 4);
  ASSERT_EQ(fullHeads.size(), 4U);
  EXPECT_EQ(network->lastEvaluatedNodes().size(), 15U);

  for (int level = 1; level <= 4; ++level)
  {
    const torch::Tensor pruned = network->forwardHead(input, level);
    EXPECT_TRUE(torch::allclose(pruned, fullHeads[static_cast<size_t>(level - 1)], 1e-5, 1e-5)) << "level " << level;

    // The sub-network of head k has the nodes x(i,j) with i + j <= k: (k+1)(k+2)/2 of them.
    const auto & evaluated = network->lastEvaluatedNodes();
    EXPECT_EQ(evaluated.size(), static_cast<size_t>((level + 1) * (level + 2) / 2)) << "level " << level;
    for (const NodeIndex & node : evaluated)
    {
      EXPECT_LE(node.first + node.second, level) << "level " << level;
    }
    const std::set<NodeIndex> unique(evaluated.begin(), evaluated.end());
    EXPECT_EQ(unique.size(), evaluated.size()) << "a node was evaluated twice at level " << level;
  }
}

TEST(Network, AccurateModeAveragesHeadProbabilities)
{
  torch::manual_seed(11);
  UNetPlusPlus network(smallConfig());
  network->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor input = torch::randn({ 1, 1, 16, 16 });

  const auto heads = network->forwardHeads(input, 3);
  const torch::Tensor expected =
    (torch::softmax(heads[0], 1) + torch::softmax(heads[1], 1) + torch::softmax(heads[2], 1)) / 3.0;
  EXPECT_TRUE(torch::allclose(network->predict(input, 3, InferenceMode::Accurate), expected, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(network->predict(input, 3, InferenceMode::Fast), torch::softmax(heads[2], 1), 1e-6, 1e-6));
}

TEST(Network, UNetEvaluatesOnlyItsOwnNodes)
{
  NetworkConfig config = smallConfig();
  config.architecture = Architecture::UNet;
  UNetPlusPlus network(config);
  torch::NoGradGuard noGrad;
  network->forwardHeads(torch::randn({ 1, 1, 16, 16 }), 4);
  // Encoder x(0..4,0) plus decoder x(3,1), x(2,2), x(1,3), x(0,4).
  EXPECT_EQ(network->lastEvaluatedNodes().size(), 9U);
  EXPECT_THROW(network->forwardHeads(torch::randn({ 1, 1, 16, 16 }), 2), std::invalid_argument);
}

TEST(Network, RejectsSizesNotDivisibleByDepth)
{
  UNetPlusPlus network(smallConfig());
  torch::NoGradGuard noGrad;
  EXPECT_THROW(network->forwardHeads(torch::randn({ 1, 1, 20, 16 }), 4), std::invalid_argument);
  EXPECT_THROW(network->forwardHeads(torch::randn({ 1, 2, 16, 16 }), 4), std::invalid_argument);
}

TEST(Network, NormalizationLayersTrainAndEvaluate)
{
  for (const auto normalization : { unetpp::NormalizationLayer::Batch, unetpp::NormalizationLayer::Instance })
  {
    NetworkConfig config = smallConfig();
    config.normalization = normalization;
    UNetPlusPlus network(config);
    network->train();
    const auto heads = network->forwardHeads(torch::randn({ 2, 1, 16, 16 }), 4);
    EXPECT_EQ(heads.back().sizes(), torch::IntArrayRef({ 2, 3, 16, 16 }));
    network->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor probabilities = network->predict(torch::randn({ 1, 1, 16, 16 }), 2, InferenceMode::Accurate);
    EXPECT_TRUE(torch::allclose(probabilities.sum(1), torch::ones({ 1, 16, 16 }), 1e-5, 1e-5));
  }
}

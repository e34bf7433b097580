#include "TestModels.h"

#include "unetpp/SegmentationEngine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using unetpp::InferenceOptions;
using unetpp::Model;
using unetpp::ModelMetadata;
using unetpp::SegmentationEngine;
using unetpp::SliceTiler;
using unetpp::TileOrigin;

namespace
{

/**
 * Radius in pixels of the receptive field of localModel(): head 2 reads x(0,2), which is two 3x3 convolutions
 * over x(0,1), itself two over x(0,0), itself two over the image. Six 3x3 convolutions reach 6 pixels.
 */
constexpr int64_t LocalReceptiveRadius = 6;

constexpr int64_t TilePatch = 32;

/** Slack for float32 rounding: convolutions over tiles and over whole slices sum in different orders. */
constexpr double RoundingTolerance = 1e-5;

int64_t
roundUpToMultipleOf4(int64_t value)
{
  return (value + 3) / 4 * 4;
}

/** A 2D image [1, 1, rows, columns] with a bright blob, a ring and stripes, so that every tile has structure. */
torch::Tensor
structuredImage(int64_t rows, int64_t columns)
{
  const torch::Tensor y = torch::arange(rows, torch::kFloat32).unsqueeze(1);
  const torch::Tensor x = torch::arange(columns, torch::kFloat32).unsqueeze(0);
  const auto squared = [](const torch::Tensor & value) { return value * value; };
  const torch::Tensor blob =
    torch::exp(-(squared(y - 0.4 * rows) + squared(x - 0.6 * columns)) / 60.0);
  const torch::Tensor ringDistance = torch::sqrt(squared(y - 0.7 * rows) + squared(x - 0.3 * columns));
  const torch::Tensor ring = (ringDistance - 8.0).abs().lt(2.5).to(torch::kFloat32);
  const torch::Tensor stripes = torch::sin(0.7 * x + 0.3 * y);
  return (2.0 * blob + 1.5 * ring + 0.5 * stripes).unsqueeze(0).unsqueeze(0);
}

/**
 * A depth 2 model (filters 8-16-32) with fixed random weights whose receptive field is small.
 *
 * The receptive field of the full depth 2 network reaches about 26 pixels in every direction, counted from
 * the kernel sizes and strides of the two poolings and of the convolutions on levels 1 and 2. That is more
 * than half of a 32-pixel tile, so no pixel of such a tile would be free of tile border effects. Zeroing the weights of the level 0 up-samplers turns their output into their
 * constant bias, so the lower levels drop out and the receptive field shrinks to LocalReceptiveRadius.
 *
 * A randomly initialised network predicts almost the same probability everywhere. The heads are rescaled
 * so that on `image` each output channel's logits have mean 0 and standard deviation 2: the probabilities
 * then span most of [0, 1] and every class wins somewhere, so misplaced tiles would show.
 */
Model
localModel(const std::vector<int> & labelValues, const torch::Tensor & image)
{
  ModelMetadata metadata = unetpp::test::smallModelMetadata(labelValues);
  metadata.patchSize = { TilePatch, TilePatch };
  Model model = unetpp::test::randomModel(metadata, 3);

  torch::NoGradGuard noGrad;
  auto parameters = model.network->named_parameters();
  parameters["up0_1.weight"].zero_();
  parameters["up0_2.weight"].zero_();

  const SliceTiler padder({ roundUpToMultipleOf4(image.size(2)), roundUpToMultipleOf4(image.size(3)) }, 0.0);
  const auto heads = model.network->forwardHeads(padder.pad(image[0]).unsqueeze(0), 2);
  for (size_t head = 0; head < heads.size(); ++head)
  {
    const std::string name = "head" + std::to_string(head + 1);
    torch::Tensor weight = parameters[name + ".weight"];
    torch::Tensor bias = parameters[name + ".bias"];
    for (int64_t channel = 0; channel < heads[head].size(1); ++channel)
    {
      const torch::Tensor logits = heads[head].select(1, channel);
      const double scale = 2.0 / logits.std().item<double>();
      weight[channel].mul_(scale);
      bias[channel].sub_(logits.mean()).mul_(scale);
    }
  }
  return model;
}

/** The same network and metadata with a patch that covers a whole slice of this size. */
Model
wholeSliceModel(const Model & model, int64_t rows, int64_t columns)
{
  Model whole = model;
  whole.metadata.patchSize = { roundUpToMultipleOf4(rows), roundUpToMultipleOf4(columns) };
  return whole;
}

InferenceOptions
cpuOptions(double overlap = 0.5)
{
  InferenceOptions options;
  options.level = 2;
  options.device = "cpu";
  options.threads = 1;
  options.overlap = overlap;
  options.batchSize = 3; // smaller than the tile count, so tiles of one slice span several batches
  return options;
}

/**
 * Upper bound of |tiled - whole| per pixel of a slice at least as large as the patch.
 *
 * A tile predicts a pixel exactly as the whole slice does when the pixel's receptive field lies inside the
 * tile and inside the image: then both see the same pixels. Otherwise the tile's convolutions see zero
 * padding at the tile border (or the image border, where the whole slice's padding differs from a tile's)
 * in place of image content, and its probability may be anything in [0, 1]. The blended result is the
 * weighted mean of the tiles, so it differs from the whole slice by at most the weight share of the
 * tiles that see padding.
 */
torch::Tensor
tilingErrorBound(const SliceTiler & tiler, int64_t rows, int64_t columns, int64_t radius)
{
  const auto & patch = tiler.patchSize();
  torch::Tensor insideImage = torch::zeros({ rows, columns }, torch::kBool);
  insideImage.narrow(0, radius, rows - 2 * radius).narrow(1, radius, columns - 2 * radius).fill_(true);
  torch::Tensor insideTile = torch::zeros({ patch[0], patch[1] }, torch::kBool);
  insideTile.narrow(0, radius, patch[0] - 2 * radius).narrow(1, radius, patch[1] - 2 * radius).fill_(true);

  torch::Tensor totalWeight = torch::zeros({ rows, columns });
  torch::Tensor paddingWeight = torch::zeros({ rows, columns });
  for (const TileOrigin & origin : tiler.tileOrigins({ rows, columns }))
  {
    const torch::Tensor exact =
      insideTile & insideImage.narrow(0, origin.row, patch[0]).narrow(1, origin.column, patch[1]);
    totalWeight.narrow(0, origin.row, patch[0]).narrow(1, origin.column, patch[1]).add_(tiler.blendingWeights());
    paddingWeight.narrow(0, origin.row, patch[0])
      .narrow(1, origin.column, patch[1])
      .add_(tiler.blendingWeights() * exact.logical_not());
  }
  return paddingWeight / totalWeight;
}

struct TilingCase
{
  int64_t rows;
  int64_t columns;
  double overlap;
  std::vector<int> labelValues;
};

std::string
describe(const TilingCase & tilingCase)
{
  return std::to_string(tilingCase.rows) + "x" + std::to_string(tilingCase.columns) + ", overlap " +
         std::to_string(tilingCase.overlap) + ", " + std::to_string(tilingCase.labelValues.size()) + " classes";
}

} // namespace

TEST(SegmentationEngine, TiledSliceMatchesWholeSlice)
{
  std::vector<TilingCase> cases;
  for (const auto & size : std::vector<std::array<int64_t, 2>>{ { 37, 53 }, { 100, 71 } })
  {
    for (const double overlap : { 0.0, 0.25, 0.5 })
    {
      cases.push_back({ size[0], size[1], overlap, { 0, 1 } });
      cases.push_back({ size[0], size[1], overlap, { 0, 7, 9 } });
    }
  }

  for (const TilingCase & tilingCase : cases)
  {
    SCOPED_TRACE(describe(tilingCase));
    const int64_t rows = tilingCase.rows;
    const int64_t columns = tilingCase.columns;
    const torch::Tensor image = structuredImage(rows, columns);
    const Model model = localModel(tilingCase.labelValues, image);

    SegmentationEngine tiledEngine(model, cpuOptions(tilingCase.overlap));
    SegmentationEngine wholeEngine(wholeSliceModel(model, rows, columns), cpuOptions(tilingCase.overlap));
    const auto tiled = tiledEngine.segment(image, true);
    const auto whole = wholeEngine.segment(image, true);
    ASSERT_EQ(tiled.probabilities.sizes(), whole.probabilities.sizes());
    ASSERT_EQ(tiled.labels.sizes(), whole.labels.sizes());

    // The comparison means something only if the prediction varies across the slice.
    const torch::Tensor wholeProbabilities = whole.probabilities.select(1, 0);
    ASSERT_GT((wholeProbabilities.max() - wholeProbabilities.min()).item<double>(), 0.9);
    ASSERT_EQ(std::get<0>(at::_unique(whole.labels)).numel(), static_cast<int64_t>(tilingCase.labelValues.size()));

    const SliceTiler tiler({ TilePatch, TilePatch }, tilingCase.overlap);
    const torch::Tensor bound = tilingErrorBound(tiler, rows, columns, LocalReceptiveRadius);
    const torch::Tensor difference = (tiled.probabilities - whole.probabilities).abs().amax(0).select(0, 0);
    const double maxExcess = (difference - bound).max().item<double>();
    EXPECT_LE(maxExcess, RoundingTolerance) << "some pixel differs by more than the padding share of its tiles";

    // Where no tile reads padding the bound is zero, so tiles and the whole slice must agree there. The
    // blending weights never drop below 1e-3 of the centre weight, so a tile that touches a pixel with its
    // border still has a tiny share, and the threshold 0.01 leaves room for that.
    const torch::Tensor interior = bound.lt(0.01);
    ASSERT_GT(interior.to(torch::kFloat64).mean().item<double>(), 0.1) << "too few pixels far from tile borders";
    EXPECT_LE(difference.masked_select(interior).max().item<double>(), 0.01 + RoundingTolerance);
    EXPECT_LE(difference.mean().item<double>(), bound.mean().item<double>() + RoundingTolerance);

    // A label can only change where the probabilities of the two leading classes are closer than twice
    // the bound, because no class probability moves by more than the bound.
    const torch::Tensor topTwo = std::get<0>(whole.probabilities.select(1, 0).topk(2, 0));
    const torch::Tensor decided = (topTwo[0] - topTwo[1]).gt(2.0 * (bound + RoundingTolerance));
    const torch::Tensor agree = tiled.labels[0].eq(whole.labels[0]);
    EXPECT_TRUE(agree.masked_select(decided).all().item<bool>()) << "a label changed where the bound forbids it";
    EXPECT_GE(agree.to(torch::kFloat64).mean().item<double>(), decided.to(torch::kFloat64).mean().item<double>());

    // The check is sharp enough to catch a tile placed one column off: the bound then fails.
    const torch::Tensor shifted =
      (tiled.probabilities.narrow(3, 1, columns - 1) - whole.probabilities.narrow(3, 0, columns - 1)).abs().amax(0)[0];
    EXPECT_GT((shifted - bound.narrow(1, 1, columns - 1)).max().item<double>(), 0.01);
  }
}

TEST(SegmentationEngine, ImageSmallerThanPatchKeepsItsSize)
{
  // 20x13 pixels in a 32x32 patch: the slice is padded centred (6 rows and 9 columns before it), predicted
  // as one tile and cropped back.
  const torch::Tensor image = structuredImage(20, 13);
  Model model = localModel({ 0, 7, 9 }, image);
  SegmentationEngine engine(model, cpuOptions());
  const auto result = engine.segment(image, true);
  ASSERT_EQ(result.labels.sizes(), (std::vector<int64_t>{ 1, 20, 13 }));
  ASSERT_EQ(result.probabilities.sizes(), (std::vector<int64_t>{ 3, 1, 20, 13 }));

  torch::NoGradGuard noGrad;
  const torch::Tensor padded = torch::constant_pad_nd(image[0], { 9, 10, 6, 6 }, 0.0).unsqueeze(0);
  const torch::Tensor expected =
    model.network->predict(padded, 2, unetpp::InferenceMode::Accurate)[0].narrow(1, 6, 20).narrow(2, 9, 13);
  EXPECT_TRUE(torch::allclose(result.probabilities.select(1, 0), expected, 0.0, RoundingTolerance));
}

TEST(SegmentationEngine, MirroringAveragesTheFourMirrorImagesOfATile)
{
  // One 20x13 slice in one padded 32x32 tile, as above. With mirroring, the engine also predicts the tile's
  // mirror images along rows, along columns and along both. It mirrors each prediction back and averages.
  const torch::Tensor image = structuredImage(20, 13);
  Model model = localModel({ 0, 7, 9 }, image);
  model.metadata.training["augmentation"] = "flips,rotations";
  auto options = cpuOptions();
  options.mirroring = true;
  const auto mirrored = SegmentationEngine(model, options).segment(image, true);
  const auto plain = SegmentationEngine(model, cpuOptions()).segment(image, true);
  ASSERT_EQ(mirrored.probabilities.sizes(), plain.probabilities.sizes());

  torch::NoGradGuard noGrad;
  const torch::Tensor padded = torch::constant_pad_nd(image[0], { 9, 10, 6, 6 }, 0.0).unsqueeze(0);
  const auto predictMirrored = [&](const std::vector<int64_t> & axes) {
    return model.network->predict(padded.flip(axes), 2, unetpp::InferenceMode::Accurate).flip(axes);
  };
  const torch::Tensor sum = model.network->predict(padded, 2, unetpp::InferenceMode::Accurate) +
                            predictMirrored({ 2 }) + predictMirrored({ 3 }) + predictMirrored({ 2, 3 });
  const torch::Tensor expected = (sum / 4.0)[0].narrow(1, 6, 20).narrow(2, 9, 13);
  EXPECT_TRUE(torch::allclose(mirrored.probabilities.select(1, 0), expected, 0.0, RoundingTolerance));
  EXPECT_TRUE(torch::allclose(mirrored.probabilities.sum(0), torch::ones({ 1, 20, 13 }), 0.0, RoundingTolerance));
  // The network is not symmetric, so mirroring must change the probabilities for the check above to mean anything.
  EXPECT_GT((mirrored.probabilities - plain.probabilities).abs().max().item<double>(), 0.01);
}

TEST(SegmentationEngine, MirroringNeedsModelTrainedWithFlips)
{
  const torch::Tensor image = structuredImage(20, 13);
  Model model = localModel({ 0, 7, 9 }, image);
  auto options = cpuOptions();
  options.mirroring = true;
  for (const char * augmentation : { "rotations,intensity", "none" })
  {
    model.metadata.training["augmentation"] = augmentation;
    EXPECT_THROW(SegmentationEngine(model, options), std::invalid_argument) << augmentation;
  }
  model.metadata.training.erase("augmentation");
  try
  {
    SegmentationEngine engine(model, options);
    FAIL() << "mirroring was accepted for a model that does not record its augmentation";
  }
  catch (const std::invalid_argument & error)
  {
    EXPECT_NE(std::string(error.what()).find("not trained on mirrored images (training augmentation: not recorded)"),
              std::string::npos)
      << error.what();
  }
  options.mirroring = false;
  EXPECT_NO_THROW(SegmentationEngine(model, options));
}

TEST(SegmentationEngine, TwoDimensionalImageIgnoresModelSliceAxis)
{
  // The model cuts volumes along x (axis 0), but a 2D image [channels, 1, rows, columns] is one slice.
  const torch::Tensor image = structuredImage(37, 53);
  Model model = wholeSliceModel(localModel({ 0, 1 }, image), 37, 53);
  model.metadata.sliceAxis = 0;
  SegmentationEngine engine(model, cpuOptions());
  EXPECT_EQ(engine.sliceAxisFor(image), 2);

  const auto result = engine.segment(image, true);
  ASSERT_EQ(result.labels.sizes(), (std::vector<int64_t>{ 1, 37, 53 }));

  // One output channel: the engine reports [1 - p, p] for background and foreground.
  torch::NoGradGuard noGrad;
  const torch::Tensor padded = torch::constant_pad_nd(image[0], { 1, 2, 1, 2 }, 0.0).unsqueeze(0);
  const torch::Tensor foreground =
    model.network->predict(padded, 2, unetpp::InferenceMode::Accurate)[0][0].narrow(0, 1, 37).narrow(1, 1, 53);
  EXPECT_TRUE(torch::allclose(result.probabilities[1][0], foreground, 0.0, RoundingTolerance));
}

TEST(SegmentationEngine, VolumeSlicesMatchSingleSlices)
{
  // Three different slices stacked along z and cut along axis 2: each must come out as if segmented alone.
  const torch::Tensor first = structuredImage(37, 53);
  const torch::Tensor volume = torch::cat({ first, first.flip({ 2 }), first * 0.5 }, 1);
  const Model model = localModel({ 0, 7, 9 }, first);
  SegmentationEngine engine(model, cpuOptions(0.25));
  const auto result = engine.segment(volume, true);
  ASSERT_EQ(result.labels.sizes(), (std::vector<int64_t>{ 3, 37, 53 }));

  for (int64_t index = 0; index < 3; ++index)
  {
    const auto single = engine.segment(volume.narrow(1, index, 1), true);
    EXPECT_TRUE(torch::equal(result.labels[index], single.labels[0])) << "slice " << index;
    EXPECT_TRUE(torch::allclose(result.probabilities.select(1, index), single.probabilities.select(1, 0), 0.0,
                                RoundingTolerance))
      << "slice " << index;
  }
}

TEST(SliceTiler, OriginsCoverEveryPixel)
{
  for (const int64_t size : { 32, 33, 37, 53, 71, 100, 257 })
  {
    for (const double overlap : { 0.0, 0.25, 0.5, 0.9 })
    {
      SCOPED_TRACE("size " + std::to_string(size) + ", overlap " + std::to_string(overlap));
      const SliceTiler tiler({ TilePatch, TilePatch }, overlap);
      const auto origins = tiler.tileOrigins({ size, size });

      torch::Tensor coverage = torch::zeros({ size, size }, torch::kInt32);
      for (const TileOrigin & origin : origins)
      {
        ASSERT_GE(origin.row, 0);
        ASSERT_GE(origin.column, 0);
        ASSERT_LE(origin.row + TilePatch, size) << "a tile reaches past the slice";
        ASSERT_LE(origin.column + TilePatch, size) << "a tile reaches past the slice";
        coverage.narrow(0, origin.row, TilePatch).narrow(1, origin.column, TilePatch).add_(1);
      }
      EXPECT_GE(coverage.min().item<int>(), 1) << "a pixel is not covered by any tile";
      EXPECT_EQ(origins.front().row, 0);
      EXPECT_EQ(origins.back().row, size - TilePatch) << "the last tile must touch the far edge";
      EXPECT_EQ(origins.back().column, size - TilePatch) << "the last tile must touch the far edge";
    }
  }
}

TEST(SliceTiler, OriginsStepByPatchTimesOneMinusOverlap)
{
  // 100 pixels, patch 32, overlap 0.5: step 16 gives 0, 16, 32, 48, 64 (64 + 32 = 96 < 100), then the
  // last tile is aligned with the far edge at 100 - 32 = 68.
  const SliceTiler half({ TilePatch, TilePatch }, 0.5);
  std::vector<int64_t> rows;
  for (const TileOrigin & origin : half.tileOrigins({ 100, 32 }))
  {
    rows.push_back(origin.row);
    EXPECT_EQ(origin.column, 0);
  }
  EXPECT_EQ(rows, (std::vector<int64_t>{ 0, 16, 32, 48, 64, 68 }));

  // 37 pixels without overlap: one tile at 0 and one at 37 - 32 = 5; 53 pixels: 0 and 21. 2 x 2 tiles.
  const SliceTiler none({ TilePatch, TilePatch }, 0.0);
  const auto origins = none.tileOrigins({ 37, 53 });
  ASSERT_EQ(origins.size(), 4U);
  EXPECT_EQ(origins[3].row, 5);
  EXPECT_EQ(origins[3].column, 21);
}

TEST(SliceTiler, SliceSmallerThanPatchIsPaddedCentred)
{
  const SliceTiler tiler({ 32, 48 }, 0.5);
  EXPECT_EQ(tiler.paddedSize(20, 13), (std::array<int64_t, 2>{ 32, 48 }));
  EXPECT_EQ(tiler.leadingPadding(20, 13), (std::array<int64_t, 2>{ 6, 17 }));
  EXPECT_EQ(tiler.paddedSize(40, 13), (std::array<int64_t, 2>{ 40, 48 }));

  const torch::Tensor slice = torch::rand({ 2, 20, 13 }) + 1.0;
  const torch::Tensor padded = tiler.pad(slice);
  ASSERT_EQ(padded.sizes(), (std::vector<int64_t>{ 2, 32, 48 }));
  EXPECT_TRUE(torch::equal(padded.narrow(1, 6, 20).narrow(2, 17, 13), slice));
  EXPECT_TRUE(torch::equal(tiler.crop(padded, 20, 13), slice));
  torch::Tensor outside = padded.clone();
  outside.narrow(1, 6, 20).narrow(2, 17, 13).zero_();
  EXPECT_TRUE(outside.eq(0).all().item<bool>()) << "padding adds only zeros";
  EXPECT_EQ(tiler.tileOrigins(tiler.paddedSize(20, 13)).size(), 1U);
}

TEST(SliceTiler, BlendingWeightsPeakAtCentre)
{
  const SliceTiler tiler({ 32, 24 }, 0.5);
  const torch::Tensor weights = tiler.blendingWeights();
  ASSERT_EQ(weights.sizes(), (std::vector<int64_t>{ 32, 24 }));

  // An even patch has four centre pixels, (15, 11) to (16, 12), sharing the maximum.
  const double peak = weights.max().item<double>();
  EXPECT_FLOAT_EQ(weights[15][11].item<float>(), static_cast<float>(peak));
  EXPECT_FLOAT_EQ(weights[16][12].item<float>(), static_cast<float>(peak));
  EXPECT_GT(weights.min().item<double>(), 0.0) << "every pixel needs a weight for the blended mean";

  // Along the middle row and column the weight falls from the centre towards both borders.
  const torch::Tensor row = weights[15];
  const torch::Tensor column = weights.select(1, 11);
  EXPECT_TRUE(row.narrow(0, 0, 12).diff().ge(0).all().item<bool>());
  EXPECT_TRUE(row.narrow(0, 12, 12).diff().le(0).all().item<bool>());
  EXPECT_TRUE(column.narrow(0, 0, 16).diff().ge(0).all().item<bool>());
  EXPECT_TRUE(column.narrow(0, 16, 16).diff().le(0).all().item<bool>());
  // Along the diagonal too; near the corners the Gaussian (sigma = patch / 8) falls below the weight
  // floor, so the comparison uses points closer to the centre.
  EXPECT_LT(weights[8][6].item<double>(), weights[12][9].item<double>());
  EXPECT_LT(weights[12][9].item<double>(), peak);
  EXPECT_LE(weights[0][0].item<double>(), weights[0][11].item<double>());
}

TEST(SegmentationEngine, ProbabilitiesSumToOne)
{
  const torch::Tensor image = structuredImage(100, 71);
  for (const auto & labelValues : std::vector<std::vector<int>>{ { 0, 1 }, { 0, 7, 9 } })
  {
    SCOPED_TRACE(std::to_string(labelValues.size()) + " classes");
    SegmentationEngine engine(localModel(labelValues, image), cpuOptions(0.25));
    const auto result = engine.segment(image, true);
    const torch::Tensor sums = result.probabilities.sum(0);
    EXPECT_LE((sums - 1.0).abs().max().item<double>(), RoundingTolerance);
    EXPECT_GE(result.probabilities.min().item<double>(), 0.0);
  }
}

TEST(SegmentationEngine, LabelsUseModelLabelValues)
{
  // Classes in channel order carry label values 0, 7 and 9; channel index 1 must come out as 7, not 1.
  const torch::Tensor image = structuredImage(100, 71);
  SegmentationEngine engine(localModel({ 0, 7, 9 }, image), cpuOptions());
  const auto result = engine.segment(image, true);

  EXPECT_EQ(result.labels.scalar_type(), torch::kInt32);
  const torch::Tensor expected =
    torch::tensor({ 0, 7, 9 }, torch::kInt32).index({ result.probabilities.argmax(0) });
  EXPECT_TRUE(torch::equal(result.labels, expected));
  for (const int value : { 0, 7, 9 })
  {
    EXPECT_TRUE(result.labels.eq(value).any().item<bool>()) << "label " << value << " never occurs";
  }
  EXPECT_FALSE(result.labels.eq(1).any().item<bool>());
  EXPECT_FALSE(result.labels.eq(2).any().item<bool>());
}

TEST(SegmentationEngine, CallbackCanAbort)
{
  const torch::Tensor volume = structuredImage(37, 53).repeat({ 1, 4, 1, 1 });
  SegmentationEngine engine(localModel({ 0, 1 }, structuredImage(37, 53)), cpuOptions());

  int calls = 0;
  const bool completed = engine.run(volume, [&](const unetpp::SliceResult & slice) {
    EXPECT_EQ(slice.index, calls);
    ++calls;
    return calls < 2;
  });
  EXPECT_FALSE(completed);
  EXPECT_EQ(calls, 2) << "no slice may be reported after the callback asked to stop";

  std::vector<double> progress;
  const auto result = engine.segment(volume, false, [&](double fraction) {
    progress.push_back(fraction);
    return progress.size() < 3;
  });
  EXPECT_FALSE(result.labels.defined()) << "an aborted run returns an empty result";
  EXPECT_EQ(progress, (std::vector<double>{ 0.25, 0.5, 0.75 }));

  progress.clear();
  const auto full = engine.segment(volume, false, [&](double fraction) {
    progress.push_back(fraction);
    return true;
  });
  EXPECT_TRUE(full.labels.defined());
  EXPECT_FALSE(full.probabilities.defined()) << "probabilities were not requested";
  EXPECT_EQ(progress, (std::vector<double>{ 0.25, 0.5, 0.75, 1.0 }));
}

TEST(SegmentationEngine, ChannelMismatchNamesBothCounts)
{
  ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
  metadata.network.inputChannels = 2;
  SegmentationEngine engine(unetpp::test::randomModel(metadata, 1), cpuOptions());

  try
  {
    engine.segment(torch::rand({ 3, 1, 32, 32 }), false);
    ADD_FAILURE() << "a 3-channel image was accepted by a 2-channel model";
  }
  catch (const std::invalid_argument & error)
  {
    const std::string message = error.what();
    EXPECT_NE(message.find("expects 2"), std::string::npos) << message;
    EXPECT_NE(message.find("has 3"), std::string::npos) << message;
  }
}

TEST(SegmentationEngine, NonFiniteVoxelsAreRejected)
{
  SegmentationEngine engine(unetpp::test::randomModel(unetpp::test::smallModelMetadata(), 1), cpuOptions());
  for (const float bad : { std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity() })
  {
    torch::Tensor image = torch::rand({ 1, 2, 40, 40 });
    image[0][1][17][23] = bad;
    try
    {
      engine.segment(image, false);
      ADD_FAILURE() << "an image with " << bad << " was accepted";
    }
    catch (const std::invalid_argument & error)
    {
      EXPECT_NE(std::string(error.what()).find("NaN or infinite"), std::string::npos) << error.what();
    }
  }
}

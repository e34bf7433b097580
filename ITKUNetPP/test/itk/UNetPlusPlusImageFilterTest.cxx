#include "itkUNetPlusPlusImageFilter.h"

#include "itkCommand.h"
#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkRGBPixel.h"

#include "unetpp/ModelFile.h"
#include "unetpp/SegmentationEngine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>

namespace
{

using Image2D = itk::Image<float, 2>;
using Image3D = itk::Image<float, 3>;
using Filter2D = itk::UNetPlusPlusImageFilter<Image2D>;
using Filter3D = itk::UNetPlusPlusImageFilter<Image3D>;

constexpr double Pi = 3.14159265358979323846;

/**
 * A model with random weights: filters 2-4-8-16-32 (depth 4, so pruning levels 1-4 exist, and tiles must be
 * multiples of 16), 16x16 patches, z-score intensities. Two label values give a sigmoid network, more a softmax.
 */
unetpp::Model
randomModel(const std::vector<int> & labelValues, int64_t inputChannels = 1, int sliceAxis = 2, uint64_t seed = 11)
{
  unetpp::Model model;
  unetpp::ModelMetadata & metadata = model.metadata;
  metadata.name = "random filter test model";
  metadata.network.inputChannels = inputChannels;
  metadata.network.outputChannels = labelValues.size() == 2 ? 1 : static_cast<int64_t>(labelValues.size());
  metadata.network.filters = { 2, 4, 8, 16, 32 };
  for (const int value : labelValues)
  {
    unetpp::ClassInfo info;
    info.name = "class " + std::to_string(value);
    info.labelValue = value;
    metadata.classes.push_back(info);
  }
  metadata.sliceAxis = sliceAxis;
  metadata.patchSize = { 16, 16 };
  metadata.validate();

  torch::manual_seed(seed);
  model.network = unetpp::UNetPlusPlus(metadata.network);

  // Freshly initialised heads give logits whose offsets between classes are much larger than their spread over
  // the image, so nearly every pixel would get the same class. Standardising each head's logits on a sample of
  // z-scored noise (what the test images become after normalisation) makes several labels appear, so that a
  // slice or axis written to the wrong place changes the labelmap.
  torch::NoGradGuard noGrad;
  const std::vector<torch::Tensor> logits =
    model.network->forwardHeads(torch::randn({ 1, inputChannels, 32, 32 }), metadata.network.depth());
  auto parameters = model.network->named_parameters();
  for (size_t head = 0; head < logits.size(); ++head)
  {
    torch::Tensor weight = parameters["head" + std::to_string(head + 1) + ".weight"];
    torch::Tensor bias = parameters["head" + std::to_string(head + 1) + ".bias"];
    for (int64_t channel = 0; channel < logits[head].size(1); ++channel)
    {
      const torch::Tensor values = logits[head].select(1, channel);
      const double spread = values.std().item<double>();
      if (spread < 1e-6)
      {
        continue; // a head whose features are all zero stays constant
      }
      const double scale = 2.0 / spread;
      weight[channel].mul_(scale);
      bias[channel].sub_(values.mean().item<double>()).mul_(scale);
    }
  }
  model.network->eval();
  return model;
}

/** Replaces every head's output by constant logits: zero 1x1 weights and the given bias per output channel. */
void
setHeadLogits(unetpp::Model & model, const std::vector<float> & logits)
{
  torch::NoGradGuard noGrad;
  for (auto & parameter : model.network->named_parameters())
  {
    if (parameter.key().rfind("head", 0) != 0)
    {
      continue;
    }
    if (parameter.key().find(".bias") != std::string::npos)
    {
      parameter.value().copy_(torch::tensor(logits));
    }
    else
    {
      parameter.value().zero_();
    }
  }
}

/** Makes every head of a softmax model output class `winner` with near certainty, 50 logits ahead of the rest. */
void
forceClass(unetpp::Model & model, int64_t winner)
{
  std::vector<float> logits(model.metadata.classes.size(), 0.0F);
  logits[static_cast<size_t>(winner)] = 50.0F;
  setHeadLogits(model, logits);
}

/** Inference settings of the filter defaults, on the CPU with one thread so that runs are repeatable. */
unetpp::InferenceOptions
testOptions()
{
  unetpp::InferenceOptions options;
  options.device = "cpu";
  options.threads = 1;
  return options;
}

template <typename TFilter>
void
configureForTest(TFilter * filter)
{
  filter->SetDevice("cpu");
  filter->SetInferenceThreads(1);
}

/** Rotation by `angle` radians about the unit axis (x, y, z), by Rodrigues' formula. */
itk::Matrix<double, 3, 3>
rotation(double angle, double x, double y, double z)
{
  const double c = std::cos(angle);
  const double s = std::sin(angle);
  const double t = 1.0 - c;
  itk::Matrix<double, 3, 3> matrix;
  matrix(0, 0) = t * x * x + c;
  matrix(0, 1) = t * x * y - s * z;
  matrix(0, 2) = t * x * z + s * y;
  matrix(1, 0) = t * x * y + s * z;
  matrix(1, 1) = t * y * y + c;
  matrix(1, 2) = t * y * z - s * x;
  matrix(2, 0) = t * x * z - s * y;
  matrix(2, 1) = t * y * z + s * x;
  matrix(2, 2) = t * z * z + c;
  return matrix;
}

/**
 * An image with a non-zero start index, non-unit spacing, a non-zero origin and an oblique direction, filled
 * with reproducible random values (each component drawn independently).
 */
template <typename TImage>
typename TImage::Pointer
makeImage(const typename TImage::SizeType & size, unsigned int components = 1, uint32_t seed = 5)
{
  constexpr unsigned int Dimension = TImage::ImageDimension;
  auto image = TImage::New();
  typename TImage::IndexType start;
  typename TImage::SpacingType spacing;
  typename TImage::PointType origin;
  for (unsigned int axis = 0; axis < Dimension; ++axis)
  {
    start[axis] = 3 - 2 * static_cast<int>(axis);
    spacing[axis] = 0.7 + 0.45 * axis;
    origin[axis] = -12.5 + 31.25 * axis;
  }
  typename TImage::DirectionType direction;
  if constexpr (Dimension == 2)
  {
    const double angle = Pi / 6.0;
    direction(0, 0) = std::cos(angle);
    direction(0, 1) = -std::sin(angle);
    direction(1, 0) = std::sin(angle);
    direction(1, 1) = std::cos(angle);
  }
  else
  {
    const double norm = std::sqrt(1.0 + 4.0 + 9.0);
    direction = rotation(0.4, 1.0 / norm, 2.0 / norm, 3.0 / norm);
  }
  image->SetRegions(typename TImage::RegionType(start, size));
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->SetNumberOfComponentsPerPixel(components);
  image->Allocate();

  std::mt19937 random(seed);
  std::normal_distribution<float> normal(100.0F, 30.0F);
  // A VectorImage's container stores floats, and an RGB image's stores pixels of three floats each.
  const size_t floats = image->GetPixelContainer()->Size() * (sizeof(typename TImage::InternalPixelType) / sizeof(float));
  auto * buffer = reinterpret_cast<float *>(image->GetBufferPointer());
  for (size_t position = 0; position < floats; ++position)
  {
    buffer[position] = normal(random);
  }
  return image;
}

/**
 * Copies an image into a [components, z, y, x] tensor pixel by pixel through ITK indices, independently of the
 * filter's buffer walk: tensor[c][z][y][x] is component c of the pixel at start + (x, y, z).
 */
template <typename TImage>
torch::Tensor
tensorByIndex(const TImage * image)
{
  constexpr unsigned int Dimension = TImage::ImageDimension;
  const auto region = image->GetLargestPossibleRegion();
  const auto size = region.GetSize();
  const int64_t components = image->GetNumberOfComponentsPerPixel();
  const int64_t depth = Dimension == 3 ? static_cast<int64_t>(size[Dimension - 1]) : 1;
  torch::Tensor tensor = torch::zeros({ components, depth, static_cast<int64_t>(size[1]), static_cast<int64_t>(size[0]) });
  auto access = tensor.accessor<float, 4>();
  itk::ImageRegionConstIteratorWithIndex<TImage> it(image, region);
  for (; !it.IsAtEnd(); ++it)
  {
    const auto index = it.GetIndex();
    const int64_t x = index[0] - region.GetIndex(0);
    const int64_t y = index[1] - region.GetIndex(1);
    const int64_t z = Dimension == 3 ? index[Dimension - 1] - region.GetIndex(Dimension - 1) : 0;
    const auto pixel = it.Get();
    for (int64_t c = 0; c < components; ++c)
    {
      access[c][z][y][x] = static_cast<float>(itk::DefaultConvertPixelTraits<typename TImage::PixelType>::GetNthComponent(
        static_cast<int>(c), pixel));
    }
  }
  return tensor;
}

/** Labelmap pixel at start + (x, y, z). A 2D labelmap ignores z. */
template <typename TImage>
int
labelAt(const TImage * labelmap, int64_t x, int64_t y, int64_t z)
{
  typename TImage::IndexType index = labelmap->GetLargestPossibleRegion().GetIndex();
  index[0] += x;
  index[1] += y;
  if constexpr (TImage::ImageDimension == 3)
  {
    index[2] += z;
  }
  return static_cast<int>(labelmap->GetPixel(index));
}

template <typename TImageA, typename TImageB>
void
expectSameGeometry(const TImageA * expected, const TImageB * actual)
{
  EXPECT_EQ(actual->GetLargestPossibleRegion(), expected->GetLargestPossibleRegion());
  EXPECT_EQ(actual->GetBufferedRegion(), expected->GetLargestPossibleRegion());
  for (unsigned int row = 0; row < TImageA::ImageDimension; ++row)
  {
    EXPECT_EQ(actual->GetOrigin()[row], expected->GetOrigin()[row]) << "origin, axis " << row;
    EXPECT_EQ(actual->GetSpacing()[row], expected->GetSpacing()[row]) << "spacing, axis " << row;
    for (unsigned int column = 0; column < TImageA::ImageDimension; ++column)
    {
      EXPECT_EQ(actual->GetDirection()(row, column), expected->GetDirection()(row, column))
        << "direction (" << row << ", " << column << ")";
    }
  }
}

/** Records the progress value of every ProgressEvent, and aborts the filter at the first one when asked. */
class ProgressRecorder : public itk::Command
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ProgressRecorder);
  using Self = ProgressRecorder;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);

  std::vector<float> progress;
  bool               abortAtFirst = false;

  void
  Execute(itk::Object * caller, const itk::EventObject & event) override
  {
    auto * filter = dynamic_cast<itk::ProcessObject *>(caller);
    if (!itk::ProgressEvent().CheckEvent(&event) || filter == nullptr)
    {
      return;
    }
    progress.push_back(filter->GetProgress());
    if (abortAtFirst)
    {
      filter->AbortGenerateDataOn();
    }
  }

  void
  Execute(const itk::Object *, const itk::EventObject &) override
  {}

protected:
  ProgressRecorder() = default;
};

std::string
describe(const itk::ExceptionObject & error)
{
  return error.GetDescription();
}

} // namespace

TEST(UNetPlusPlusImageFilter, Geometry2DEqualsInput)
{
  const auto input = makeImage<Image2D>({ { 23, 9 } });
  auto filter = Filter2D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 1 }));
  filter->SetInput(input);
  filter->ComputeProbabilitiesOn();
  filter->Update();

  expectSameGeometry(input.GetPointer(), filter->GetOutput());
  expectSameGeometry(input.GetPointer(), filter->GetProbabilityOutput());
}

TEST(UNetPlusPlusImageFilter, Geometry3DEqualsInput)
{
  const auto input = makeImage<Image3D>({ { 13, 10, 4 } });
  auto filter = Filter3D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 1, 2 }));
  filter->SetInput(input);
  filter->ComputeProbabilitiesOn();
  filter->Update();

  expectSameGeometry(input.GetPointer(), filter->GetOutput());
  expectSameGeometry(input.GetPointer(), filter->GetProbabilityOutput());
}

TEST(UNetPlusPlusImageFilter, LabelmapContainsModelLabelValues)
{
  // The class list maps class index 1 to label 7 and class 2 to label 12. Each run forces one class to win
  // everywhere, so every voxel must contain that class's label value, not its index.
  const auto input = makeImage<Image3D>({ { 11, 7, 3 } });
  for (const auto & [winner, label] : std::vector<std::pair<int64_t, int>>{ { 1, 7 }, { 2, 12 } })
  {
    unetpp::Model model = randomModel({ 0, 7, 12 });
    forceClass(model, winner);
    auto filter = Filter3D::New();
    configureForTest(filter.GetPointer());
    filter->SetModel(model);
    filter->SetInput(input);
    filter->Update();

    itk::ImageRegionConstIterator<Filter3D::OutputImageType> it(filter->GetOutput(),
                                                                filter->GetOutput()->GetBufferedRegion());
    size_t mismatches = 0;
    for (; !it.IsAtEnd(); ++it)
    {
      mismatches += it.Get() != label ? 1 : 0;
    }
    EXPECT_EQ(mismatches, 0U) << "class " << winner << " should write label " << label;
  }
}

TEST(UNetPlusPlusImageFilter, LabelmapIsArgmaxOfProbabilities)
{
  const std::vector<int> labelValues{ 0, 7, 12 };
  const auto input = makeImage<Image3D>({ { 17, 12, 3 } });
  auto filter = Filter3D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel(labelValues));
  filter->SetInput(input);
  filter->ComputeProbabilitiesOn();
  filter->Update();

  const auto * labelmap = filter->GetOutput();
  const auto * probabilities = filter->GetProbabilityOutput();
  ASSERT_EQ(probabilities->GetNumberOfComponentsPerPixel(), 3U);
  std::set<int> labelsSeen;
  itk::ImageRegionConstIteratorWithIndex<Filter3D::OutputImageType> it(labelmap, labelmap->GetBufferedRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    const auto pixel = probabilities->GetPixel(it.GetIndex());
    size_t best = 0;
    float sum = 0.0F;
    for (size_t label = 0; label < labelValues.size(); ++label)
    {
      sum += pixel[label];
      best = pixel[label] > pixel[best] ? label : best;
    }
    ASSERT_EQ(static_cast<int>(it.Get()), labelValues[best]) << "at " << it.GetIndex();
    ASSERT_NEAR(sum, 1.0F, 1e-5F) << "softmax probabilities at " << it.GetIndex();
    labelsSeen.insert(it.Get());
  }
  // With a single label the argmax check could not tell the classes apart.
  EXPECT_GE(labelsSeen.size(), 2U);
}

TEST(UNetPlusPlusImageFilter, SigmoidModelGivesTwoProbabilities)
{
  // A sigmoid model has one output channel, which the engine turns into background and foreground.
  const auto input = makeImage<Image2D>({ { 20, 18 } });
  auto filter = Filter2D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 255 }));
  filter->SetInput(input);
  filter->ComputeProbabilitiesOn();
  filter->Update();

  const auto * probabilities = filter->GetProbabilityOutput();
  ASSERT_EQ(probabilities->GetNumberOfComponentsPerPixel(), 2U);
  const auto index = input->GetLargestPossibleRegion().GetIndex();
  const auto pixel = probabilities->GetPixel(index);
  EXPECT_NEAR(pixel[0] + pixel[1], 1.0F, 1e-6F);
  EXPECT_EQ(filter->GetOutput()->GetPixel(index), pixel[1] > pixel[0] ? 255 : 0);
}

class FilterEqualsEngine : public testing::TestWithParam<int>
{};

TEST_P(FilterEqualsEngine, OnSameTensor)
{
  // Sizes differ along every axis, so an image copied to the tensor with swapped axes would not line up.
  const int sliceAxis = GetParam();
  const auto input = makeImage<Image3D>({ { 19, 11, 5 } });
  const unetpp::Model model = randomModel({ 0, 3, 4 }, 1, sliceAxis);

  auto filter = Filter3D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(model);
  filter->SetInput(input);
  filter->ComputeProbabilitiesOn();
  filter->Update();

  unetpp::SegmentationEngine engine(model, testOptions());
  const torch::Tensor image = tensorByIndex(input.GetPointer());
  ASSERT_EQ(image.sizes(), torch::IntArrayRef({ 1, 5, 11, 19 }));
  const unetpp::SegmentationResult expected = engine.segment(image, true);
  ASSERT_NE(expected.labels.min().item<int>(), expected.labels.max().item<int>())
    << "the comparison needs more than one label";

  // One voxel by hand: ITK index start + (x=16, y=2, z=3) is labels[z][y][x] of the [z, y, x] result.
  EXPECT_EQ(labelAt(filter->GetOutput(), 16, 2, 3), expected.labels[3][2][16].item<int>());

  const auto labels = expected.labels.accessor<int32_t, 3>();
  const auto probabilities = expected.probabilities.accessor<float, 4>();
  const auto start = input->GetLargestPossibleRegion().GetIndex();
  size_t labelMismatches = 0;
  float largestDifference = 0.0F;
  for (int64_t z = 0; z < 5; ++z)
  {
    for (int64_t y = 0; y < 11; ++y)
    {
      for (int64_t x = 0; x < 19; ++x)
      {
        labelMismatches += labelAt(filter->GetOutput(), x, y, z) != labels[z][y][x] ? 1 : 0;
        const auto pixel = filter->GetProbabilityOutput()->GetPixel({ { start[0] + x, start[1] + y, start[2] + z } });
        for (int64_t label = 0; label < 3; ++label)
        {
          largestDifference = std::max(largestDifference, std::abs(pixel[label] - probabilities[label][z][y][x]));
        }
      }
    }
  }
  EXPECT_EQ(labelMismatches, 0U);
  EXPECT_LE(largestDifference, 1e-6F);
}

INSTANTIATE_TEST_SUITE_P(UNetPlusPlusImageFilter, FilterEqualsEngine, testing::Values(0, 1, 2),
                         [](const testing::TestParamInfo<int> & info) { return "SliceAxis" + std::to_string(info.param); });

TEST(UNetPlusPlusImageFilter, Filter2DEqualsEngine)
{
  const auto input = makeImage<Image2D>({ { 37, 21 } });
  const unetpp::Model model = randomModel({ 0, 1, 2 });
  auto filter = Filter2D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(model);
  filter->SetInput(input);
  filter->Update();

  unetpp::SegmentationEngine engine(model, testOptions());
  const torch::Tensor expected = engine.segment(tensorByIndex(input.GetPointer()), false).labels;
  ASSERT_EQ(expected.sizes(), torch::IntArrayRef({ 1, 21, 37 }));
  EXPECT_EQ(labelAt(filter->GetOutput(), 30, 4, 0), expected[0][4][30].item<int>());
  size_t mismatches = 0;
  for (int64_t y = 0; y < 21; ++y)
  {
    for (int64_t x = 0; x < 37; ++x)
    {
      mismatches += labelAt(filter->GetOutput(), x, y, 0) != expected[0][y][x].item<int>() ? 1 : 0;
    }
  }
  EXPECT_EQ(mismatches, 0U);
}

TEST(UNetPlusPlusImageFilter, RgbComponentsAreChannelsInOrder)
{
  using RgbImage = itk::Image<itk::RGBPixel<float>, 2>;
  const auto input = makeImage<RgbImage>({ { 18, 25 } });
  const unetpp::Model model = randomModel({ 0, 1, 2 }, 3);
  auto filter = itk::UNetPlusPlusImageFilter<RgbImage>::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(model);
  filter->SetInput(input);
  filter->Update();

  // Channel 0 is red, 1 green, 2 blue, as tensorByIndex copies components in order.
  unetpp::SegmentationEngine engine(model, testOptions());
  const torch::Tensor image = tensorByIndex(input.GetPointer());
  EXPECT_EQ(image[1][0][0][0].item<float>(), input->GetPixel(input->GetLargestPossibleRegion().GetIndex()).GetGreen());
  const torch::Tensor expected = engine.segment(image, false).labels;
  size_t mismatches = 0;
  for (int64_t y = 0; y < 25; ++y)
  {
    for (int64_t x = 0; x < 18; ++x)
    {
      mismatches += labelAt(filter->GetOutput(), x, y, 0) != expected[0][y][x].item<int>() ? 1 : 0;
    }
  }
  EXPECT_EQ(mismatches, 0U);
}

TEST(UNetPlusPlusImageFilter, VectorImageComponentsAreChannels)
{
  using TwoChannelImage = itk::VectorImage<float, 3>;
  const auto input = makeImage<TwoChannelImage>({ { 9, 14, 2 } }, 2);
  const unetpp::Model model = randomModel({ 0, 1, 2 }, 2);
  auto filter = itk::UNetPlusPlusImageFilter<TwoChannelImage>::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(model);
  filter->SetInput(input);
  filter->Update();

  unetpp::SegmentationEngine engine(model, testOptions());
  const torch::Tensor expected = engine.segment(tensorByIndex(input.GetPointer()), false).labels;
  size_t mismatches = 0;
  for (int64_t z = 0; z < 2; ++z)
  {
    for (int64_t y = 0; y < 14; ++y)
    {
      for (int64_t x = 0; x < 9; ++x)
      {
        mismatches += labelAt(filter->GetOutput(), x, y, z) != expected[z][y][x].item<int>() ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(mismatches, 0U);
}

TEST(UNetPlusPlusImageFilter, ProgressEventPerSlice)
{
  // The model cuts volumes along x (slice axis 0), so a volume 6 voxels wide has 6 slices.
  const auto input = makeImage<Image3D>({ { 6, 16, 3 } });
  auto filter = Filter3D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 1 }, 1, 0));
  filter->SetInput(input);
  auto recorder = ProgressRecorder::New();
  filter->AddObserver(itk::ProgressEvent(), recorder);
  filter->Update();

  // ITK 5.2's pipeline invokes no progress events of its own, so each event is one slice, reporting the
  // fraction of slices done. ITK stores progress in fixed point, so 1/6 comes back rounded.
  ASSERT_EQ(recorder->progress.size(), 6U);
  for (size_t slice = 0; slice < 6; ++slice)
  {
    EXPECT_NEAR(recorder->progress[slice], static_cast<float>(slice + 1) / 6.0F, 1e-6F) << "slice " << slice;
  }
}

TEST(UNetPlusPlusImageFilter, ProgressEventFor2DImage)
{
  const auto input = makeImage<Image2D>({ { 40, 30 } });
  auto filter = Filter2D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 1 }));
  filter->SetInput(input);
  auto recorder = ProgressRecorder::New();
  filter->AddObserver(itk::ProgressEvent(), recorder);
  filter->Update();

  ASSERT_EQ(recorder->progress.size(), 1U);
  EXPECT_EQ(recorder->progress[0], 1.0F);
}

TEST(UNetPlusPlusImageFilter, AbortStopsAfterFirstSlice)
{
  // Batches of one tile and slices of one tile each: without the abort, 8 slices would report progress.
  const auto input = makeImage<Image3D>({ { 16, 16, 8 } });
  auto filter = Filter3D::New();
  configureForTest(filter.GetPointer());
  filter->SetBatchSize(1);
  filter->SetModel(randomModel({ 0, 1 }));
  filter->SetInput(input);
  auto recorder = ProgressRecorder::New();
  recorder->abortAtFirst = true;
  filter->AddObserver(itk::ProgressEvent(), recorder);

  EXPECT_THROW(filter->Update(), itk::ProcessAborted);
  EXPECT_EQ(recorder->progress.size(), 1U);
}

TEST(UNetPlusPlusImageFilter, ChannelMismatchNamesBothCounts)
{
  using TwoChannelImage = itk::VectorImage<float, 2>;
  auto filter = itk::UNetPlusPlusImageFilter<TwoChannelImage>::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 1 }, 1));
  filter->SetInput(makeImage<TwoChannelImage>({ { 16, 16 } }, 2));
  try
  {
    filter->Update();
    FAIL() << "a 1-channel model must reject a 2-component image";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(describe(error).find("the model expects 1 channel(s) but the input image has 2 component(s)"),
              std::string::npos)
      << describe(error);
  }
}

TEST(UNetPlusPlusImageFilter, ModelFileGivesSameLabelmap)
{
  const unetpp::Model model = randomModel({ 0, 1, 2 });
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "unetpp-filter-test-model.unetpp";
  unetpp::saveModel(path.string(), model.metadata, model.network);
  const auto input = makeImage<Image2D>({ { 21, 17 } });

  auto fromMemory = Filter2D::New();
  configureForTest(fromMemory.GetPointer());
  fromMemory->SetModel(model);
  fromMemory->SetInput(input);
  fromMemory->Update();

  auto fromFile = Filter2D::New();
  configureForTest(fromFile.GetPointer());
  fromFile->SetModelFileName(path.string());
  fromFile->SetInput(input);
  fromFile->Update();
  std::filesystem::remove(path);

  EXPECT_EQ(fromFile->GetModelMetadata().name, model.metadata.name);
  size_t mismatches = 0;
  itk::ImageRegionConstIteratorWithIndex<Filter2D::OutputImageType> it(fromMemory->GetOutput(),
                                                                       fromMemory->GetOutput()->GetBufferedRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    mismatches += it.Get() != fromFile->GetOutput()->GetPixel(it.GetIndex()) ? 1 : 0;
  }
  EXPECT_EQ(mismatches, 0U);
}

TEST(UNetPlusPlusImageFilter, MissingModelFileIsNamed)
{
  auto filter = Filter2D::New();
  filter->SetModelFileName("/nonexistent/folder/model.unetpp");
  filter->SetInput(makeImage<Image2D>({ { 16, 16 } }));
  try
  {
    filter->Update();
    FAIL() << "a missing model file must raise an exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(describe(error).find("/nonexistent/folder/model.unetpp"), std::string::npos) << describe(error);
  }
}

TEST(UNetPlusPlusImageFilter, NoModelRaisesError)
{
  auto filter = Filter2D::New();
  filter->SetInput(makeImage<Image2D>({ { 16, 16 } }));
  try
  {
    filter->Update();
    FAIL() << "a filter without a model must raise an exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(describe(error).find("SetModel() or SetModelFileName()"), std::string::npos) << describe(error);
  }
}

TEST(UNetPlusPlusImageFilter, LabelValueMustFitPixelType)
{
  // 300 does not fit the default unsigned char labelmap (0-255) but fits short.
  const auto input = makeImage<Image2D>({ { 16, 16 } });
  auto filter = Filter2D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 300 }));
  filter->SetInput(input);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);

  auto wideFilter = itk::UNetPlusPlusImageFilter<Image2D, itk::Image<short, 2>>::New();
  configureForTest(wideFilter.GetPointer());
  unetpp::Model model = randomModel({ 0, 300 });
  // A sigmoid model has one logit per pixel; at +50 every pixel is foreground.
  setHeadLogits(model, { 50.0F });
  wideFilter->SetModel(model);
  wideFilter->SetInput(input);
  wideFilter->Update();
  EXPECT_EQ(wideFilter->GetOutput()->GetPixel(input->GetLargestPossibleRegion().GetIndex()), 300);
}

TEST(UNetPlusPlusImageFilter, PruningLevelBeyondDepthIsRejected)
{
  auto filter = Filter2D::New();
  configureForTest(filter.GetPointer());
  filter->SetModel(randomModel({ 0, 1 }));
  filter->SetPruningLevel(5);
  filter->SetInput(makeImage<Image2D>({ { 16, 16 } }));
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
}

TEST(UNetPlusPlusImageFilter, ProbabilityOutputOnlyWhenRequested)
{
  auto filter = Filter2D::New();
  EXPECT_FALSE(filter->GetComputeProbabilities());
  EXPECT_EQ(filter->GetNumberOfIndexedOutputs(), 1U);
  EXPECT_THROW(filter->GetProbabilityOutput(), itk::ExceptionObject);

  filter->ComputeProbabilitiesOn();
  EXPECT_EQ(filter->GetNumberOfIndexedOutputs(), 2U);
  EXPECT_NE(filter->GetProbabilityOutput(), nullptr);

  filter->ComputeProbabilitiesOff();
  EXPECT_EQ(filter->GetNumberOfIndexedOutputs(), 1U);
}

TEST(UNetPlusPlusImageFilter, DefaultsMatchInferenceOptions)
{
  const unetpp::InferenceOptions defaults;
  auto filter = Filter3D::New();
  EXPECT_EQ(filter->GetPruningLevel(), defaults.level);
  EXPECT_EQ(filter->GetMode(), defaults.mode);
  EXPECT_EQ(filter->GetDevice(), defaults.device);
  EXPECT_EQ(filter->GetInferenceThreads(), defaults.threads);
  EXPECT_EQ(filter->GetTileOverlap(), defaults.overlap);
  EXPECT_EQ(filter->GetBatchSize(), defaults.batchSize);

  filter->SetPruningLevel(2);
  filter->SetMode(unetpp::InferenceMode::Fast);
  std::ostringstream printed;
  filter->Print(printed);
  EXPECT_NE(printed.str().find("PruningLevel: 2"), std::string::npos) << printed.str();
  EXPECT_NE(printed.str().find("Mode: fast"), std::string::npos) << printed.str();
}

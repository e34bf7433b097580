#ifndef itkUNetPlusPlusImageFilter_hxx
#define itkUNetPlusPlusImageFilter_hxx

#include "itkUNetPlusPlusImageFilter.h"

#include "itkDefaultConvertPixelTraits.h"
#include "itkImageRegionConstIterator.h"
#include "itkNumericTraits.h"

#include "unetpp/SliceTiler.h"

#include <array>

namespace itk
{

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::UNetPlusPlusImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::SetModel(const unetpp::Model & model)
{
  m_Model = model;
  m_ModelFileName.clear();
  m_LoadedModelFileName.clear();
  this->Modified();
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
const unetpp::ModelMetadata &
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::GetModelMetadata()
{
  return this->LoadModel().metadata;
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::SetMode(unetpp::InferenceMode mode)
{
  if (m_Mode != mode)
  {
    m_Mode = mode;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::SetComputeProbabilities(bool compute)
{
  if (m_ComputeProbabilities == compute)
  {
    return;
  }
  m_ComputeProbabilities = compute;
  if (compute)
  {
    this->SetNumberOfIndexedOutputs(2);
    this->SetNthOutput(1, this->MakeOutput(1));
  }
  else
  {
    this->SetNumberOfIndexedOutputs(1);
  }
  this->Modified();
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
auto
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::GetProbabilityOutput() -> ProbabilityImageType *
{
  if (!m_ComputeProbabilities)
  {
    itkExceptionMacro(<< "the probability output is off; call ComputeProbabilitiesOn() before asking for it");
  }
  return itkDynamicCastInDebugMode<ProbabilityImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
ProcessObject::DataObjectPointer
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::MakeOutput(
  ProcessObject::DataObjectPointerArraySizeType index)
{
  if (index == 1)
  {
    return ProbabilityImageType::New().GetPointer();
  }
  return Superclass::MakeOutput(index);
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::GenerateOutputInformation()
{
  // Copies the largest possible region, origin, spacing and direction of the input to every output.
  Superclass::GenerateOutputInformation();

  if (m_ComputeProbabilities)
  {
    const auto classes = static_cast<unsigned int>(this->LoadModel().metadata.classes.size());
    this->GetProbabilityOutput()->SetNumberOfComponentsPerPixel(classes);
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();

  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (input)
  {
    input->SetRequestedRegionToLargestPossibleRegion();
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);

  // Both outputs come from one pass over the whole image, so every output gets its largest region.
  for (DataObject * each : this->GetOutputs())
  {
    if (each)
    {
      each->SetRequestedRegionToLargestPossibleRegion();
    }
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
const unetpp::Model &
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::LoadModel()
{
  if (!m_ModelFileName.empty() && m_ModelFileName != m_LoadedModelFileName)
  {
    try
    {
      m_Model = unetpp::loadModel(m_ModelFileName);
    }
    catch (const std::exception & error)
    {
      // ModelFileError messages already name the file.
      itkExceptionMacro(<< error.what());
    }
    m_LoadedModelFileName = m_ModelFileName;
  }
  if (!m_Model)
  {
    itkExceptionMacro(<< "no model to segment with; call SetModel() or SetModelFileName() before Update()");
  }
  return *m_Model;
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::CheckInputAndModel(
  const unetpp::ModelMetadata & metadata) const
{
  const int64_t expected = metadata.inputChannels();
  const auto components = static_cast<int64_t>(this->GetInput()->GetNumberOfComponentsPerPixel());
  if (components != expected)
  {
    itkExceptionMacro(<< "the model expects " << expected << " channel(s) but the input image has " << components
                      << " component(s) per pixel; give the filter an image with " << expected
                      << " component(s) (for example an itk::VectorImage) or use a model trained on " << components
                      << " channel(s)");
  }

  // Compared as double, which represents every int label value exactly and any pixel type's range closely enough.
  const auto lowest = static_cast<double>(NumericTraits<OutputPixelType>::NonpositiveMin());
  const auto highest = static_cast<double>(NumericTraits<OutputPixelType>::max());
  for (const unetpp::ClassInfo & info : metadata.classes)
  {
    const auto value = static_cast<double>(info.labelValue);
    if (value < lowest || value > highest)
    {
      itkExceptionMacro(<< "label value " << info.labelValue << " of class '" << info.name
                        << "' does not fit the labelmap pixel type, whose range is " << lowest << " to " << highest
                        << "; use a wider TOutputImage pixel type such as short");
    }
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
torch::Tensor
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::ImageToTensor() const
{
  const InputImageType * input = this->GetInput();
  const auto                region = input->GetBufferedRegion();
  const auto                components = static_cast<int64_t>(input->GetNumberOfComponentsPerPixel());
  const auto                pixels = static_cast<int64_t>(region.GetNumberOfPixels());
  const int64_t             slicesAlongZ = ImageDimension == 3 ? static_cast<int64_t>(region.GetSize(ImageDimension - 1)) : 1;

  torch::Tensor tensor = torch::empty({ components, pixels }, torch::kFloat32);
  float *       data = tensor.data_ptr<float>();

  // ITK stores x fastest, then y, then z, which is the memory order of a contiguous [z, y, x] tensor.
  using PixelTraits = DefaultConvertPixelTraits<InputPixelType>;
  ImageRegionConstIterator<InputImageType> it(input, region);
  for (int64_t position = 0; !it.IsAtEnd(); ++it, ++position)
  {
    const InputPixelType pixel = it.Get();
    for (int64_t component = 0; component < components; ++component)
    {
      data[component * pixels + position] = static_cast<float>(PixelTraits::GetNthComponent(static_cast<int>(component), pixel));
    }
  }
  return tensor.view({ components,
                       slicesAlongZ,
                       static_cast<int64_t>(region.GetSize(1)),
                       static_cast<int64_t>(region.GetSize(0)) });
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
unetpp::InferenceOptions
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::MakeInferenceOptions() const
{
  unetpp::InferenceOptions options;
  options.level = m_PruningLevel;
  options.mode = m_Mode;
  options.device = m_Device;
  options.threads = m_InferenceThreads;
  options.overlap = m_TileOverlap;
  options.batchSize = m_BatchSize;
  options.mirroring = m_TestTimeMirroring;
  return options;
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::WriteSlice(const unetpp::SliceResult & slice,
                                                                                 int sliceAxis)
{
  OutputImageType * labelmap = this->GetOutput();
  const auto        size = labelmap->GetBufferedRegion().GetSize();

  // Strides of the [z, y, x] buffer. The slice fixes one of these dimensions, and its rows and columns run
  // along the other two in the same order, as unetpp::sliceOf cuts them.
  const std::array<int64_t, 3> strides{ static_cast<int64_t>(size[0] * size[1]), static_cast<int64_t>(size[0]), 1 };
  const int64_t                fixedDimension = unetpp::tensorDimensionOfAxis(sliceAxis) - 1;
  std::array<int64_t, 2>       inPlaneStrides{};
  for (int64_t dimension = 0, next = 0; dimension < 3; ++dimension)
  {
    if (dimension != fixedDimension)
    {
      inPlaneStrides[next++] = strides[dimension];
    }
  }
  const int64_t sliceStart = slice.index * strides[fixedDimension];

  const torch::Tensor labels = slice.labels.contiguous();
  const int64_t       rows = labels.size(0);
  const int64_t       columns = labels.size(1);
  const int32_t *     labelData = labels.data_ptr<int32_t>();
  OutputPixelType *   labelBuffer = labelmap->GetBufferPointer();
  for (int64_t row = 0; row < rows; ++row)
  {
    for (int64_t column = 0; column < columns; ++column)
    {
      const int64_t offset = sliceStart + row * inPlaneStrides[0] + column * inPlaneStrides[1];
      labelBuffer[offset] = static_cast<OutputPixelType>(labelData[row * columns + column]);
    }
  }

  if (!m_ComputeProbabilities)
  {
    return;
  }

  // The probability image interleaves its components: all classes of one pixel, then the next pixel.
  const torch::Tensor        probabilities = slice.probabilities.contiguous();
  const int64_t              classes = probabilities.size(0);
  const float *              probabilityData = probabilities.data_ptr<float>();
  ProbabilityComponentType * probabilityBuffer = this->GetProbabilityOutput()->GetBufferPointer();
  for (int64_t row = 0; row < rows; ++row)
  {
    for (int64_t column = 0; column < columns; ++column)
    {
      const int64_t offset = sliceStart + row * inPlaneStrides[0] + column * inPlaneStrides[1];
      for (int64_t label = 0; label < classes; ++label)
      {
        probabilityBuffer[offset * classes + label] =
          static_cast<ProbabilityComponentType>(probabilityData[(label * rows + row) * columns + column]);
      }
    }
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::GenerateData()
{
  const unetpp::Model & model = this->LoadModel();
  this->CheckInputAndModel(model.metadata);
  this->AllocateOutputs();
  const torch::Tensor image = this->ImageToTensor();

  std::optional<unetpp::SegmentationEngine> engine;
  try
  {
    engine.emplace(model, this->MakeInferenceOptions());
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro(<< "cannot set up inference: " << error.what());
  }

  // Volumes are matched to the model's training orientation by the engine, which needs their direction.
  std::optional<unetpp::DirectionMatrix> direction;
  if constexpr (ImageDimension == 3)
  {
    const auto &            inputDirection = this->GetInput()->GetDirection();
    unetpp::DirectionMatrix matrix{};
    for (unsigned row = 0; row < 3; ++row)
    {
      for (unsigned column = 0; column < 3; ++column)
      {
        matrix[row * 3 + column] = inputDirection[row][column];
      }
    }
    direction = matrix;
  }

  const int     sliceAxis = engine->sliceAxisFor(image, direction);
  const int64_t slices = unetpp::sliceCount(image, sliceAxis);
  int64_t       slicesDone = 0;
  bool          completed = false;
  try
  {
    completed = engine->run(
      image,
      [&](const unetpp::SliceResult & slice) {
        this->WriteSlice(slice, slice.axis);
        ++slicesDone;
        this->UpdateProgress(static_cast<float>(slicesDone) / static_cast<float>(slices));

        // An observer of the progress event may have asked to stop; returning false ends the run here.
        return !this->GetAbortGenerateData();
      },
      direction);
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro(<< "inference failed: " << error.what());
  }

  if (!completed)
  {
    ProcessAborted aborted(__FILE__, __LINE__);
    aborted.SetDescription("segmentation aborted after " + std::to_string(slicesDone) + " of " +
                           std::to_string(slices) + " slice(s)");
    aborted.SetLocation(ITK_LOCATION);
    throw aborted;
  }
}

template <typename TInputImage, typename TOutputImage, typename TProbabilityImage>
void
UNetPlusPlusImageFilter<TInputImage, TOutputImage, TProbabilityImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);

  os << indent << "ModelFileName: " << m_ModelFileName << std::endl;
  os << indent << "Model: " << (m_Model ? m_Model->metadata.name : std::string("(none)")) << std::endl;
  os << indent << "PruningLevel: " << m_PruningLevel << std::endl;
  os << indent << "Mode: " << unetpp::toString(m_Mode) << std::endl;
  os << indent << "Device: " << m_Device << std::endl;
  os << indent << "InferenceThreads: " << m_InferenceThreads << std::endl;
  os << indent << "TileOverlap: " << m_TileOverlap << std::endl;
  os << indent << "BatchSize: " << m_BatchSize << std::endl;
  os << indent << "TestTimeMirroring: " << (m_TestTimeMirroring ? "On" : "Off") << std::endl;
  os << indent << "ComputeProbabilities: " << (m_ComputeProbabilities ? "On" : "Off") << std::endl;
}

} // namespace itk

#endif // itkUNetPlusPlusImageFilter_hxx

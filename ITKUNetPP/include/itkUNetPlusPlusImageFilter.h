#ifndef itkUNetPlusPlusImageFilter_h
#define itkUNetPlusPlusImageFilter_h

#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "itkVectorImage.h"

#include "unetpp/ModelFile.h"
#include "unetpp/SegmentationEngine.h"

#include <optional>
#include <type_traits>
#include <string>

namespace itk
{

/**
 * \class UNetPlusPlusImageFilter
 * \brief Segments a 2D image or a 3D volume with a UNet++ model and produces a labelmap.
 *
 * The model comes from SetModel() or SetModelFileName() (a file written by unetpp::saveModel). The filter
 * copies the input into a tensor [channels, z, y, x] (z = 1 for a 2D image) and runs
 * unetpp::SegmentationEngine over it slice by slice, along the model's slice axis for volumes. Output 0 is
 * the labelmap: each pixel contains the label value of the most probable class, as the model's class list
 * defines it. With ComputeProbabilitiesOn(), output 1 contains the per-class probabilities, one component per
 * class in the model's class order (background first).
 *
 * Both outputs have the input's largest possible region, origin, spacing and direction.
 *
 * The input may have scalar pixels or several components per pixel (itk::VectorImage or itk::RGBPixel),
 * one per model input channel, in component order.
 *
 * The filter invokes a ProgressEvent after each slice. Setting AbortGenerateData during such an event stops
 * the inference before the next slice is handed over, and Update() throws itk::ProcessAborted.
 *
 * Inference needs whole slices and normalises intensities over the whole image, so the filter always
 * requests and produces the largest possible region: it does not stream.
 *
 * \tparam TInputImage 2D or 3D image with scalar or multi-component pixels.
 * \tparam TOutputImage scalar labelmap; every label value of the model must fit its pixel type.
 * \tparam TProbabilityImage itk::VectorImage with a floating-point component type.
 *
 * \ingroup ITKUNetPP
 */
template <typename TInputImage,
          typename TOutputImage = Image<unsigned char, TInputImage::ImageDimension>,
          typename TProbabilityImage = VectorImage<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT UNetPlusPlusImageFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(UNetPlusPlusImageFilter);

  using Self = UNetPlusPlusImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;

  using InputImageType = TInputImage;
  using InputPixelType = typename InputImageType::PixelType;
  using OutputImageType = TOutputImage;
  using OutputPixelType = typename OutputImageType::PixelType;
  using ProbabilityImageType = TProbabilityImage;
  using ProbabilityComponentType = typename ProbabilityImageType::InternalPixelType;

  static_assert(ImageDimension == 2 || ImageDimension == 3, "UNetPlusPlusImageFilter segments 2D and 3D images only");
  static_assert(TOutputImage::ImageDimension == ImageDimension && TProbabilityImage::ImageDimension == ImageDimension,
                "the labelmap and the probability image must have the input's dimension");
  static_assert(std::is_floating_point<ProbabilityComponentType>::value,
                "the probability image must be an itk::VectorImage of float or double");

  itkNewMacro(Self);
  itkTypeMacro(UNetPlusPlusImageFilter, ImageToImageFilter);

  /** Uses this model. The filter shares its network and moves it to the inference device on Update(). */
  void
  SetModel(const unetpp::Model & model);

  /** Model file to read on the next Update(). It replaces a model given with SetModel(). */
  itkSetStringMacro(ModelFileName);
  itkGetStringMacro(ModelFileName);

  /** Returns the metadata of the current model, after reading the model file when needed. */
  const unetpp::ModelMetadata &
  GetModelMetadata();

  /** Pruning level L: the network ends at deep supervision head L (1 to the model's depth). Default 4. */
  itkSetMacro(PruningLevel, int);
  itkGetConstMacro(PruningLevel, int);

  /** Accurate (mean of heads 1..L) or Fast (head L alone). Default Accurate. */
  void
  SetMode(unetpp::InferenceMode mode);
  itkGetConstMacro(Mode, unetpp::InferenceMode);

  /** Inference device: "auto" (CUDA when available), "cpu" or "cuda". Default "auto". */
  itkSetStringMacro(Device);
  itkGetStringMacro(Device);

  /**
   * CPU threads for LibTorch, or 0 for every core. Default 0. LibTorch's thread count is global to the
   * process, so this also changes it for other LibTorch users.
   */
  itkSetMacro(InferenceThreads, int);
  itkGetConstMacro(InferenceThreads, int);

  /** Fraction of a tile shared with its neighbour, for slices larger than the model's patch. Default 0.5. */
  itkSetMacro(TileOverlap, double);
  itkGetConstMacro(TileOverlap, double);

  /** Tiles per network call. Default 16. */
  itkSetMacro(BatchSize, int64_t);
  itkGetConstMacro(BatchSize, int64_t);

  /**
   * Test-time augmentation: averages the probabilities of each tile and of its mirror images along rows,
   * columns and both, which takes four times the network time. Default off.
   */
  itkSetMacro(TestTimeMirroring, bool);
  itkGetConstMacro(TestTimeMirroring, bool);
  itkBooleanMacro(TestTimeMirroring);

  /** Adds the probability image as output 1. Default off, which leaves the filter with the labelmap only. */
  void
  SetComputeProbabilities(bool compute);
  itkGetConstMacro(ComputeProbabilities, bool);
  itkBooleanMacro(ComputeProbabilities);

  /** The labelmap (output 0). */
  OutputImageType *
  GetLabelmapOutput()
  {
    return this->GetOutput();
  }

  /** The per-class probabilities (output 1). Throws when ComputeProbabilities is off. */
  ProbabilityImageType *
  GetProbabilityOutput();

  /** Creates output 1 as a ProbabilityImageType and every other output as an OutputImageType. */
  using Superclass::MakeOutput;
  ProcessObject::DataObjectPointer
  MakeOutput(ProcessObject::DataObjectPointerArraySizeType index) override;

protected:
  UNetPlusPlusImageFilter();
  ~UNetPlusPlusImageFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  /** Copies the input's geometry to both outputs and gives the probability image one component per class. */
  void
  GenerateOutputInformation() override;

  /** Requests the whole input, because the intensity normalisation and the tiling need whole slices. */
  void
  GenerateInputRequestedRegion() override;

  /** Enlarges every output's requested region to the largest possible region. */
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;

  void
  GenerateData() override;

private:
  /** Returns the model set by SetModel() or read from the model file. Throws when there is neither. */
  const unetpp::Model &
  LoadModel();

  /** Throws when the input's components or the output pixel type do not fit the model. */
  void
  CheckInputAndModel(const unetpp::ModelMetadata & metadata) const;

  /** Copies the input's pixels into a float32 tensor [components, z, y, x]. */
  torch::Tensor
  ImageToTensor() const;

  unetpp::InferenceOptions
  MakeInferenceOptions() const;

  /** Writes one slice's labels (and probabilities when requested) into the output buffers. */
  void
  WriteSlice(const unetpp::SliceResult & slice, int sliceAxis);

  std::string                  m_ModelFileName;
  std::optional<unetpp::Model> m_Model;
  std::string                  m_LoadedModelFileName;

  int                   m_PruningLevel{ 4 };
  unetpp::InferenceMode m_Mode{ unetpp::InferenceMode::Accurate };
  std::string           m_Device{ "auto" };
  int                   m_InferenceThreads{ 0 };
  double                m_TileOverlap{ 0.5 };
  int64_t               m_BatchSize{ 16 };
  bool                  m_TestTimeMirroring{ false };
  bool                  m_ComputeProbabilities{ false };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkUNetPlusPlusImageFilter.hxx"
#endif

#endif // itkUNetPlusPlusImageFilter_h

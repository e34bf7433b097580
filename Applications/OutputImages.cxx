#include "OutputImages.h"

#include "unetpp/AtomicFile.h"

#include <itkImage.h>
#include <itkImageFileWriter.h>

#include <filesystem>

#include <unistd.h>

namespace unetpp
{

namespace
{

/** Copies origin, spacing and direction of the first `Dimension` axes of the reference. */
template <typename ImageType>
void
copyGeometry(const VectorVolume * reference, ImageType * image)
{
  constexpr unsigned Dimension = ImageType::ImageDimension;
  typename ImageType::PointType origin;
  typename ImageType::SpacingType spacing;
  typename ImageType::DirectionType direction;
  typename ImageType::SizeType size;
  for (unsigned row = 0; row < Dimension; ++row)
  {
    origin[row] = reference->GetOrigin()[row];
    spacing[row] = reference->GetSpacing()[row];
    size[row] = reference->GetLargestPossibleRegion().GetSize()[row];
    for (unsigned column = 0; column < Dimension; ++column)
    {
      direction[row][column] = reference->GetDirection()[row][column];
    }
  }
  image->SetRegions(size);
  image->SetOrigin(origin);
  image->SetSpacing(spacing);
  image->SetDirection(direction);
}

template <typename ImageType>
void
writeAtomically(const ImageType * image, const std::string & path)
{
  ScopedTemporaryFile temporary(path);
  auto writer = itk::ImageFileWriter<ImageType>::New();
  writer->SetInput(image);
  writer->SetFileName(temporary.path());
  writer->UseCompressionOn();
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::runtime_error("cannot write " + path + ": " + error.GetDescription());
  }
  temporary.commit();
}

template <typename PixelType, unsigned Dimension>
void
writeLabels(const torch::Tensor & labels, const VectorVolume * reference, const std::string & path)
{
  using ImageType = itk::Image<PixelType, Dimension>;
  auto image = ImageType::New();
  copyGeometry(reference, image.GetPointer());
  image->Allocate();
  const torch::Tensor values = labels.to(torch::kInt64).contiguous();
  const int64_t * source = values.data_ptr<int64_t>();
  PixelType * target = image->GetBufferPointer();
  for (int64_t index = 0; index < values.numel(); ++index)
  {
    target[index] = static_cast<PixelType>(source[index]);
  }
  writeAtomically(image.GetPointer(), path);
}

template <unsigned Dimension>
void
writeVectors(const torch::Tensor & probabilities, const VectorVolume * reference, const std::string & path)
{
  using ImageType = itk::VectorImage<float, Dimension>;
  auto image = ImageType::New();
  copyGeometry(reference, image.GetPointer());
  image->SetNumberOfComponentsPerPixel(static_cast<unsigned>(probabilities.size(0)));
  image->Allocate();
  // ITK stores the components of each voxel together: [z, y, x, classes].
  const torch::Tensor interleaved = probabilities.permute({ 1, 2, 3, 0 }).contiguous();
  std::copy_n(interleaved.data_ptr<float>(), interleaved.numel(), image->GetBufferPointer());
  writeAtomically(image.GetPointer(), path);
}

} // namespace

void
checkOutputPath(const std::string & path, unsigned dimension, const std::string & option)
{
  if (std::filesystem::is_directory(path))
  {
    throw std::invalid_argument(option + " " + path + " is a folder; give the path of the file to write");
  }
  const bool volumeFormat =
    endsWith(path, ".nii") || endsWith(path, ".nii.gz") || endsWith(path, ".nrrd") || endsWith(path, ".mha");
  const bool pictureFormat = endsWith(path, ".png");
  if (!volumeFormat && !(pictureFormat && dimension == 2))
  {
    throw std::invalid_argument(option + " " + path + ": the file name must end in .nii.gz, .nii, .nrrd or .mha" +
                                std::string(dimension == 2 ? " (or .png for a 2D image)" : ""));
  }
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty())
  {
    folder = ".";
  }
  if (!std::filesystem::is_directory(folder))
  {
    throw std::invalid_argument(option + " " + path + ": folder " + folder.string() + " does not exist");
  }
  if (::access(folder.c_str(), W_OK) != 0)
  {
    throw std::invalid_argument(option + " " + path + ": folder " + folder.string() + " is not writable");
  }
}

void
writeLabelmap(const torch::Tensor & labels, const VectorVolume * reference, unsigned dimension, const std::string & path)
{
  const bool fitsEightBits = labels.numel() == 0 || (labels.min().item<int64_t>() >= 0 && labels.max().item<int64_t>() <= 255);
  if (dimension == 2)
  {
    fitsEightBits ? writeLabels<uint8_t, 2>(labels, reference, path) : writeLabels<uint16_t, 2>(labels, reference, path);
  }
  else
  {
    fitsEightBits ? writeLabels<uint8_t, 3>(labels, reference, path) : writeLabels<uint16_t, 3>(labels, reference, path);
  }
}

void
writeProbabilities(const torch::Tensor & probabilities, const VectorVolume * reference, unsigned dimension,
                   const std::string & path)
{
  if (dimension == 2)
  {
    writeVectors<2>(probabilities, reference, path);
  }
  else
  {
    writeVectors<3>(probabilities, reference, path);
  }
}

} // namespace unetpp

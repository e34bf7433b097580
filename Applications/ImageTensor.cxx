#include "ImageTensor.h"

#include <itkImageFileReader.h>
#include <itkImageIOFactory.h>

#include <zlib.h>

#include <array>
#include <cstring>
#include <filesystem>

namespace unetpp
{

torch::Tensor
toTensor(const VectorVolume * image)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto components = static_cast<int64_t>(image->GetNumberOfComponentsPerPixel());
  const torch::Tensor interleaved =
    torch::from_blob(const_cast<float *>(image->GetBufferPointer()),
                     { static_cast<int64_t>(size[2]), static_cast<int64_t>(size[1]), static_cast<int64_t>(size[0]), components },
                     torch::kFloat32);
  // clone(), because contiguous() returns the same memory when there is one component.
  return interleaved.permute({ 3, 0, 1, 2 }).clone(torch::MemoryFormat::Contiguous);
}

bool
endsWith(const std::string & text, const std::string & suffix)
{
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

namespace
{

/**
 * Throws std::invalid_argument when a NIfTI-1 file (.nii or .nii.gz) contains fewer bytes than its header
 * needs. ITK 5.2's NIfTI reader fills the missing voxels without reporting it, so a truncated download
 * would otherwise be segmented as if it were whole.
 */
void
checkNiftiComplete(const std::string & path, size_t imageBytes)
{
  if (!endsWith(path, ".nii") && !endsWith(path, ".nii.gz"))
  {
    return;
  }
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr)
  {
    return;
  }
  std::array<char, 65536> buffer{};
  size_t total = 0;
  float voxelOffset = 0.0F;
  int32_t headerSize = 0;
  int count = 0;
  while ((count = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
  {
    if (total == 0 && count >= 112)
    {
      std::memcpy(&headerSize, buffer.data(), sizeof(headerSize));
      std::memcpy(&voxelOffset, buffer.data() + 108, sizeof(voxelOffset));
    }
    total += static_cast<size_t>(count);
  }
  int error = Z_OK;
  gzerror(file, &error);
  gzclose(file);

  // Only NIfTI-1 headers in the machine's byte order are checked; others are left to ITK.
  constexpr int32_t Nifti1HeaderSize = 348;
  if (headerSize != Nifti1HeaderSize)
  {
    return;
  }
  const auto expected = static_cast<size_t>(voxelOffset) + imageBytes;
  if (count < 0 || error != Z_OK || total < expected)
  {
    throw std::invalid_argument("input " + path + " is truncated or damaged: it contains " + std::to_string(total) +
                                " bytes (uncompressed) where its header needs " + std::to_string(expected));
  }
}

} // namespace

DirectionMatrix
directionOf(const VectorVolume * image)
{
  DirectionMatrix matrix{};
  for (unsigned row = 0; row < 3; ++row)
  {
    for (unsigned column = 0; column < 3; ++column)
    {
      matrix[row * 3 + column] = image->GetDirection()[row][column];
    }
  }
  return matrix;
}

LoadedImage
readImageTensor(const std::string & path)
{
  if (!std::filesystem::exists(path))
  {
    throw std::invalid_argument("input " + path + " does not exist");
  }
  if (std::filesystem::is_directory(path))
  {
    throw std::invalid_argument("input " + path + " is a folder, not an image file");
  }
  const itk::ImageIOBase::Pointer io =
    itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  if (!io)
  {
    throw std::invalid_argument("cannot read " + path + ": not an image format ITK recognises (NIfTI, NRRD, MHA, PNG, TIFF, DICOM)");
  }
  try
  {
    io->SetFileName(path);
    io->ReadImageInformation();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::invalid_argument("cannot read " + path + ": " + error.GetDescription());
  }
  if (io->GetNumberOfDimensions() > 3)
  {
    // NIfTI stores a 3D volume with a trailing dimension of size 1 as 4D; only a real 4th dimension is rejected.
    if (io->GetNumberOfDimensions() > 4 || io->GetDimensions(3) > 1)
    {
      throw std::invalid_argument("input " + path + " is a " + std::to_string(io->GetNumberOfDimensions()) +
                                  "D image; only 2D images and 3D volumes can be segmented (extract one volume first)");
    }
  }

  checkNiftiComplete(path, io->GetImageSizeInBytes());

  auto reader = itk::ImageFileReader<VectorVolume>::New();
  reader->SetFileName(path);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::invalid_argument("cannot read " + path + ": " + error.GetDescription());
  }

  LoadedImage loaded;
  loaded.image = reader->GetOutput();
  loaded.fileDimension = std::min(3U, io->GetNumberOfDimensions());
  loaded.tensor = toTensor(loaded.image);
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    loaded.spacing.push_back(loaded.image->GetSpacing()[axis]);
  }
  return loaded;
}

} // namespace unetpp

#pragma once

#include "unetpp/Orientation.h"

#include <itkVectorImage.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace unetpp
{

/** Image type every file is read into: up to 3 dimensions, any number of components. */
using VectorVolume = itk::VectorImage<float, 3>;

/** An image file read with ITK, with its voxels as a tensor and its geometry. */
struct LoadedImage
{
  VectorVolume::Pointer image;
  torch::Tensor tensor; ///< [components, z, y, x] float32, sharing no memory with `image`
  unsigned fileDimension = 3; ///< dimension stored in the file (2 for PNG)
  std::vector<double> spacing;
};

/**
 * Reads an image file (NIfTI, NRRD, MHA, PNG, TIFF...) with ITK. Throws std::invalid_argument naming the
 * file when it is missing, unreadable or has more than 3 dimensions.
 */
LoadedImage readImageTensor(const std::string & path);

/** Whether a file name ends with `suffix` (an extension such as ".nii.gz"). */
bool endsWith(const std::string & text, const std::string & suffix);

/** Direction matrix of an image, row-major. */
DirectionMatrix directionOf(const VectorVolume * image);

/** Copies a VectorVolume into a tensor [components, z, y, x]. */
torch::Tensor toTensor(const VectorVolume * image);

} // namespace unetpp

#pragma once

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace unetpp
{

/**
 * Writes a PNG montage of up to `tiles` slices (index z of the volume) through the segmented structures.
 * The image is grey (1st to 99th percentile) and each class is drawn over it in its colour at half opacity.
 * Slices are spread evenly over the extent of the labels, or over the whole volume when nothing was found.
 * `image` is [channels, z, y, x] (the first channel is shown) and `labels` is [z, y, x]. Rows are stretched
 * by `rowScale` (row spacing over column spacing) so that pixels look square. The file is written under a
 * temporary name and renamed when complete.
 */
void writePreviewMontage(const std::string & path, const torch::Tensor & image, const torch::Tensor & labels,
                         const std::vector<ClassInfo> & classes, double rowScale = 1.0, int tiles = 6);

} // namespace unetpp

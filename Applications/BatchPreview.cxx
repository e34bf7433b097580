#include "BatchPreview.h"

#include "unetpp/AtomicFile.h"

#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkRGBPixel.h>

#include <algorithm>
#include <cmath>

namespace unetpp
{

namespace
{

using RGBImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;

/** Indices of up to `count` slices spread evenly over [first, last]. */
std::vector<int64_t>
spreadSlices(int64_t first, int64_t last, int count)
{
  std::vector<int64_t> slices;
  const int64_t span = last - first + 1;
  const int64_t chosen = std::min<int64_t>(count, span);
  for (int64_t index = 0; index < chosen; ++index)
  {
    const int64_t slice = first + (chosen == 1 ? span / 2 : (index * (span - 1)) / (chosen - 1));
    if (slices.empty() || slices.back() != slice)
    {
      slices.push_back(slice);
    }
  }
  return slices;
}

} // namespace

void
writePreviewMontage(const std::string & path, const torch::Tensor & image, const torch::Tensor & labels,
                    const std::vector<ClassInfo> & classes, double rowScale, int tiles)
{
  const torch::Tensor grey = image[0].to(torch::kFloat32);
  const int64_t depth = grey.size(0);
  const int64_t rows = grey.size(1);
  const int64_t columns = grey.size(2);

  // Slices through the labelled extent, or through the whole volume when nothing was labelled.
  const torch::Tensor labelledSlices = labels.ne(0).flatten(1).any(1).nonzero();
  const int64_t first = labelledSlices.numel() > 0 ? labelledSlices.min().item<int64_t>() : 0;
  const int64_t last = labelledSlices.numel() > 0 ? labelledSlices.max().item<int64_t>() : depth - 1;
  const std::vector<int64_t> slices = spreadSlices(first, last, tiles);

  // Window from the 1st to the 99th percentile of the whole volume, so that every tile uses the same grey scale.
  const torch::Tensor sorted = std::get<0>(grey.flatten().sort());
  const auto percentile = [&](double fraction) {
    const auto index = static_cast<int64_t>(fraction * static_cast<double>(sorted.numel() - 1));
    return sorted[index].item<float>();
  };
  const float low = percentile(0.01);
  const float high = std::max(percentile(0.99), low + 1e-6F);

  // Small crops are enlarged by a whole factor so that each tile is at least MinimumTileSize pixels wide or tall.
  constexpr int64_t MinimumTileSize = 192;
  const auto naturalRows = std::max<int64_t>(1, std::lround(static_cast<double>(rows) * rowScale));
  const int64_t zoom = std::max<int64_t>(1, (MinimumTileSize + std::max(naturalRows, columns) - 1) /
                                              std::max(naturalRows, columns));
  const int64_t scaledRows = naturalRows * zoom;
  const int64_t scaledColumns = columns * zoom;
  const auto tileColumns = static_cast<int64_t>(std::min<size_t>(slices.size(), 3));
  const auto tileRows = static_cast<int64_t>((slices.size() + 2) / 3);
  constexpr int64_t Gap = 2;

  auto montage = RGBImage::New();
  RGBImage::SizeType size{ { static_cast<itk::SizeValueType>(tileColumns * (scaledColumns + Gap) - Gap),
                             static_cast<itk::SizeValueType>(tileRows * (scaledRows + Gap) - Gap) } };
  montage->SetRegions(RGBImage::RegionType(size));
  montage->Allocate();
  montage->FillBuffer(itk::RGBPixel<unsigned char>(static_cast<unsigned char>(32)));

  const auto greyAccessor = grey.accessor<float, 3>();
  const torch::Tensor labelValues = labels.to(torch::kInt32).contiguous();
  const auto labelAccessor = labelValues.accessor<int32_t, 3>();
  for (size_t tile = 0; tile < slices.size(); ++tile)
  {
    const int64_t slice = slices[tile];
    const int64_t left = static_cast<int64_t>(tile % 3) * (scaledColumns + Gap);
    const int64_t top = static_cast<int64_t>(tile / 3) * (scaledRows + Gap);
    for (int64_t row = 0; row < scaledRows; ++row)
    {
      const int64_t sourceRow =
        std::min<int64_t>(rows - 1, static_cast<int64_t>(static_cast<double>(row) / (rowScale * static_cast<double>(zoom))));
      for (int64_t outputColumn = 0; outputColumn < scaledColumns; ++outputColumn)
      {
        const int64_t column = outputColumn / zoom;
        const float value = (greyAccessor[slice][sourceRow][column] - low) / (high - low);
        const double level = 255.0 * std::clamp(static_cast<double>(value), 0.0, 1.0);
        std::array<double, 3> colour{ level, level, level };
        const int32_t label = labelAccessor[slice][sourceRow][column];
        if (label != 0)
        {
          for (const auto & info : classes)
          {
            if (info.labelValue == label)
            {
              for (size_t channel = 0; channel < 3; ++channel)
              {
                colour[channel] = 0.5 * colour[channel] + 0.5 * info.color[channel];
              }
            }
          }
        }
        itk::RGBPixel<unsigned char> pixel;
        for (unsigned channel = 0; channel < 3; ++channel)
        {
          pixel[channel] = static_cast<unsigned char>(std::lround(colour[channel]));
        }
        montage->SetPixel({ { left + outputColumn, top + row } }, pixel);
      }
    }
  }

  ScopedTemporaryFile temporary(path);
  auto writer = itk::ImageFileWriter<RGBImage>::New();
  writer->SetFileName(temporary.path());
  writer->SetInput(montage);
  writer->Update();
  temporary.commit();
}

} // namespace unetpp

#pragma once

#include <torch/torch.h>

#include <array>
#include <vector>

namespace unetpp
{

/** Number of 2D slices of a volume tensor [channels, z, y, x] along an ITK index axis (0 = x, 1 = y, 2 = z). */
int64_t sliceCount(const torch::Tensor & volume, int axis);

/**
 * Slice `index` of a volume tensor [channels, z, y, x] along an ITK index axis, as [channels, rows, columns]:
 * axis 0 gives [c, z, y], axis 1 gives [c, z, x], axis 2 gives [c, y, x]. Training and inference both cut
 * slices with this function, so a model always sees slices in the orientation it was trained on.
 */
torch::Tensor sliceOf(const torch::Tensor & volume, int axis, int64_t index);

/** Dimension of the [channels, z, y, x] tensor that an ITK index axis selects. */
int64_t tensorDimensionOfAxis(int axis);

/** Position of one tile in the padded slice. */
struct TileOrigin
{
  int64_t row = 0;
  int64_t column = 0;
};

/**
 * Cuts a slice into patch-sized tiles for the network and blends their predictions back.
 *
 * A slice smaller than the patch along a dimension is zero-padded to the patch size, centred, which is how
 * training pads its slices. Along a dimension larger than the patch, tiles step by patch * (1 - overlap)
 * and the last tile is aligned with the far edge. Overlapping predictions are blended with a Gaussian
 * weight (sigma = patch / 8) that trusts tile centres more than tile borders, where the network sees less context.
 */
class SliceTiler
{
public:
  SliceTiler(std::array<int64_t, 2> patchSize, double overlap);

  /** Rows and columns of the slice after padding to at least the patch size. */
  std::array<int64_t, 2> paddedSize(int64_t rows, int64_t columns) const;

  /** Rows and columns of zero padding placed before the slice (the rest goes after it). */
  std::array<int64_t, 2> leadingPadding(int64_t rows, int64_t columns) const;

  /** Pads a [channels, rows, columns] slice to paddedSize(), centred. */
  torch::Tensor pad(const torch::Tensor & slice) const;

  /** Crops a padded [channels, rows', columns'] tensor back to the slice's rows and columns. */
  torch::Tensor crop(const torch::Tensor & padded, int64_t rows, int64_t columns) const;

  /** Tile origins covering a padded slice of this size. */
  std::vector<TileOrigin> tileOrigins(std::array<int64_t, 2> padded) const;

  /** Blending weight of each pixel of a tile, [rows, columns], largest at the centre. */
  const torch::Tensor & blendingWeights() const { return m_Weights; }

  const std::array<int64_t, 2> & patchSize() const { return m_PatchSize; }

private:
  std::vector<int64_t> originsAlong(int64_t padded, int64_t patch) const;

  std::array<int64_t, 2> m_PatchSize;
  double m_Overlap;
  torch::Tensor m_Weights;
};

} // namespace unetpp

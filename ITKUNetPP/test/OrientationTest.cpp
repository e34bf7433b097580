#include "unetpp/Orientation.h"

#include <gtest/gtest.h>

using unetpp::AxisMapping;
using unetpp::DirectionMatrix;

namespace
{

const DirectionMatrix Identity{ 1, 0, 0, 0, 1, 0, 0, 0, 1 };

// ITK reads a NIfTI file whose stored transform is the identity (RAS) as LPS directions: x and y reversed.
const DirectionMatrix NiftiIdentity{ -1, 0, 0, 0, -1, 0, 0, 0, 1 };

} // namespace

TEST(Orientation, SameDirectionIsIdentity)
{
  EXPECT_TRUE(unetpp::axisMappingBetween(NiftiIdentity, NiftiIdentity).isIdentity());
}

TEST(Orientation, OppositeAxesAreFlipped)
{
  const AxisMapping mapping = unetpp::axisMappingBetween(Identity, NiftiIdentity);
  EXPECT_EQ(mapping.sourceAxis, (std::array<int, 3>{ 0, 1, 2 }));
  EXPECT_EQ(mapping.flipped, (std::array<bool, 3>{ true, true, false }));
}

TEST(Orientation, PermutedAxesAreFound)
{
  // Input index axis 0 runs along physical z, axis 1 along x, axis 2 along -y (columns of the matrix).
  const DirectionMatrix input{ 0, 1, 0, 0, 0, -1, 1, 0, 0 };
  const AxisMapping mapping = unetpp::axisMappingBetween(input, Identity);
  EXPECT_EQ(mapping.sourceAxis, (std::array<int, 3>{ 1, 2, 0 }));
  EXPECT_EQ(mapping.flipped, (std::array<bool, 3>{ false, true, false }));
}

TEST(Orientation, ObliqueAxesMapToClosest)
{
  // Rotated by 20 degrees about z: x stays closest to x, y to y.
  const double c = std::cos(20.0 * M_PI / 180.0);
  const double s = std::sin(20.0 * M_PI / 180.0);
  const DirectionMatrix input{ c, -s, 0, s, c, 0, 0, 0, 1 };
  EXPECT_TRUE(unetpp::axisMappingBetween(input, Identity).isIdentity());
}

TEST(Orientation, TensorFollowsMapping)
{
  // Tensor [1, z=2, y=3, x=4] with value = 100 z + 10 y + x, so every value records the voxel it came from.
  const torch::Tensor volume = (torch::arange(2).view({ 1, 2, 1, 1 }) * 100 + torch::arange(3).view({ 1, 1, 3, 1 }) * 10 +
                                torch::arange(4).view({ 1, 1, 1, 4 }))
                                 .to(torch::kFloat32);
  const DirectionMatrix input{ 0, 1, 0, 0, 0, -1, 1, 0, 0 };
  const AxisMapping mapping = unetpp::axisMappingBetween(input, Identity);
  const torch::Tensor oriented = unetpp::toTrainingOrientation(volume, mapping);

  // Training axis 0 (x) is input axis 1 (size 3), axis 1 (y) is input axis 2 (size 2) reversed,
  // axis 2 (z) is input axis 0 (size 4).
  ASSERT_EQ(oriented.sizes(), torch::IntArrayRef({ 1, 4, 2, 3 }));
  // Oriented voxel (x=2, y=0, z=3) is input voxel (axis0 = 3, axis1 = 2, axis2 = 2 - 1 - 0 = 1): 100 + 20 + 3.
  EXPECT_EQ(oriented[0][3][0][2].item<float>(), 123.0F);
  EXPECT_TRUE(torch::equal(unetpp::fromTrainingOrientation(oriented, mapping), volume));
}

// Writing labelmaps as DICOM Segmentation objects and reading them back.

#include "DicomSeg.h"

#include <gtest/gtest.h>

TEST(DicomSeg, MissingFileIsRejected)
{
  EXPECT_THROW(unetpp::readDicomSegLabelmap("/nonexistent/seg.dcm"), std::exception);
}

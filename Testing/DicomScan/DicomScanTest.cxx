// Scanning folders of DICOM files: recognition by content, grouping by series and slice order.

#include "DicomScan.h"

#include <gtest/gtest.h>

TEST(DicomScan, MissingFolderIsRejected)
{
  EXPECT_THROW(unetpp::scanDicomFolder("/nonexistent/folder"), std::exception);
}

// Installs the build tree with `cmake --install` into a temporary prefix, then uses the installed package as
// a separate project would: find_package(ITKUNetPP), the ITK filter, the bundled model and the CLI module.

#include "ProgramRunner.h"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::makeTemporaryFolder;
using unetpp::testing::ProgramResult;
using unetpp::testing::runProgram;

using FloatImage = itk::Image<float, 3>;
using LabelImage = itk::Image<short, 3>;

const std::string CMake = UNETPP_CMAKE_COMMAND;
const std::string HippocampusCase = std::string(UNETPP_SHARED_DATA_DIR) + "/hippocampus/imagesTr/hippocampus_001.nii.gz";

template <typename ImageType>
typename ImageType::Pointer
readImage(const std::string & path)
{
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

std::string
describe(const ProgramResult & result)
{
  return "exit status " + std::to_string(result.exitStatus) + "\nstandard output:\n" + result.standardOutput +
         "\nstandard error:\n" + result.standardError;
}

class InstalledPackage : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    m_Folder = makeTemporaryFolder("unetpp-install");
    m_Prefix = m_Folder + "/prefix";
    const auto install = runProgram(CMake, { "--install", UNETPP_BUILD_DIR, "--prefix", m_Prefix });
    ASSERT_EQ(install.exitStatus, 0) << describe(install);
  }

  void
  TearDown() override
  {
    fs::remove_all(m_Folder);
  }

  std::string
  installed(const std::string & relativePath) const
  {
    return m_Prefix + "/" + relativePath;
  }

  std::string m_Folder;
  std::string m_Prefix;
};

TEST_F(InstalledPackage, InstallsLayout)
{
  const std::string libdir = UNETPP_INSTALL_LIBDIR;

  // bin/unetpp finds its default model in ../share/unetpp/models. Slicer's "Additional module paths"
  // setting points at the CLI module folder.
  for (const std::string & path : { std::string("bin/unetpp"),
                                    libdir + "/unetpp/cli-modules/UNetPlusPlusSegmentation",
                                    libdir + "/libUNetPPCore.a",
                                    std::string("share/unetpp/models/hippocampus.unetpp"),
                                    std::string("include/ITKUNetPP/itkUNetPlusPlusImageFilter.h"),
                                    std::string("include/ITKUNetPP/itkUNetPlusPlusImageFilter.hxx"),
                                    std::string("include/ITKUNetPP/unetpp/ModelFile.h"),
                                    std::string("include/ITKUNetPP/unetpp/SegmentationEngine.h"),
                                    libdir + "/cmake/ITKUNetPP/ITKUNetPPConfig.cmake",
                                    libdir + "/cmake/ITKUNetPP/ITKUNetPPConfigVersion.cmake",
                                    libdir + "/cmake/ITKUNetPP/ITKUNetPPTargets.cmake" })
  {
    EXPECT_TRUE(fs::is_regular_file(installed(path))) << "not installed: " << path;
  }
}

TEST_F(InstalledPackage, CliModuleUsesInstalledModel)
{
  // A small volume is enough: this test is about where the module finds its model, not about the result.
  auto image = FloatImage::New();
  image->SetRegions(FloatImage::SizeType{ { 16, 16, 2 } });
  image->Allocate();
  image->FillBuffer(1.0F);
  const std::string input = m_Folder + "/small.nrrd";
  auto writer = itk::ImageFileWriter<FloatImage>::New();
  writer->SetInput(image);
  writer->SetFileName(input);
  writer->Update();

  // The variable would take precedence over the installed models folder.
  ::unsetenv("UNETPP_MODEL_DIR");
  const std::string module = installed(std::string(UNETPP_INSTALL_LIBDIR) + "/unetpp/cli-modules/UNetPlusPlusSegmentation");
  const auto result = runProgram(module, { "--device", "cpu", input, m_Folder + "/labelmap.nrrd" });

  ASSERT_EQ(result.exitStatus, 0) << describe(result);
  const std::string expectedModel = fs::path(installed("share/unetpp/models/hippocampus.unetpp")).lexically_normal();
  EXPECT_NE(result.standardOutput.find("(" + expectedModel + ")"), std::string::npos)
    << "the module did not report the installed model " << expectedModel << ":\n"
    << result.standardOutput;
}

TEST_F(InstalledPackage, ConsumerProjectSegmentsVolume)
{
  if (!fs::is_regular_file(HippocampusCase))
  {
    GTEST_SKIP() << "real data not found at " << HippocampusCase << " (../shared/data next to the repository)";
  }

  // Configure and build the consumer against the installed prefix only. Without a build type the compiler
  // does not optimise, which keeps this build short, and the inference runs in the installed library anyway.
  const std::string consumerBuild = m_Folder + "/consumer-build";
  const auto configure = runProgram(CMake,
                                    { "-S", UNETPP_CONSUMER_SOURCE_DIR, "-B", consumerBuild,
                                      "-G", UNETPP_CONSUMER_GENERATOR,
                                      "-DCMAKE_MAKE_PROGRAM=" + std::string(UNETPP_CONSUMER_MAKE_PROGRAM),
                                      "-DCMAKE_C_COMPILER=" + std::string(UNETPP_CONSUMER_C_COMPILER),
                                      "-DCMAKE_CXX_COMPILER=" + std::string(UNETPP_CONSUMER_CXX_COMPILER),
                                      "-DCMAKE_BUILD_TYPE=", "-DCMAKE_PREFIX_PATH=" + m_Prefix });
  ASSERT_EQ(configure.exitStatus, 0) << describe(configure);
  const auto build = runProgram(CMake, { "--build", consumerBuild });
  ASSERT_EQ(build.exitStatus, 0) << describe(build);

  const std::string labelmapPath = m_Folder + "/labelmap.nrrd";
  const auto segment = runProgram(consumerBuild + "/segment_with_installed_filter",
                                  { HippocampusCase, installed("share/unetpp/models/hippocampus.unetpp"), labelmapPath });
  ASSERT_EQ(segment.exitStatus, 0) << describe(segment);

  ASSERT_TRUE(fs::is_regular_file(labelmapPath));
  const auto input = readImage<FloatImage>(HippocampusCase);
  const auto labelmap = readImage<LabelImage>(labelmapPath);
  EXPECT_EQ(labelmap->GetLargestPossibleRegion().GetSize(), input->GetLargestPossibleRegion().GetSize());
}

} // namespace

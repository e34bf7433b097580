// End-to-end runs of `unetpp segment` on real MR data: the DICOM hippocampus crop series and held-out
// Decathlon cases, plus every kind of bad input the command must reject with one clear line.

#include "CommandRunner.h"

#include "unetpp/Metrics.h"
#include "unetpp/ModelFile.h"

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageSeriesReader.h>
#include <itkVectorImage.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::quoted;
using unetpp::testing::runUnetpp;

using LabelImage = itk::Image<short, 3>;
using FloatImage = itk::Image<float, 3>;

template <typename ImageType>
typename ImageType::Pointer
readImage(const std::string & path)
{
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path);
  reader->Update();
  // Detached from the reader, so that writing a modified copy does not make the reader read the file again.
  typename ImageType::Pointer image = reader->GetOutput();
  image->DisconnectPipeline();
  return image;
}

FloatImage::Pointer
readDicomSeries(const std::string & folder)
{
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetDirectory(folder);
  auto reader = itk::ImageSeriesReader<FloatImage>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(names->GetInputFileNames());
  reader->Update();
  return reader->GetOutput();
}

/** Geometry must match exactly: the labelmap is written from the input's own origin, spacing and direction. */
void
expectSameGeometry(const itk::ImageBase<3> * expected, const itk::ImageBase<3> * actual, const std::string & what)
{
  EXPECT_EQ(expected->GetLargestPossibleRegion().GetSize(), actual->GetLargestPossibleRegion().GetSize()) << what;
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    // NIfTI stores origin and spacing as 32-bit floats, so compare to float precision.
    EXPECT_NEAR(expected->GetOrigin()[axis], actual->GetOrigin()[axis], 1e-4) << what << ", origin axis " << axis;
    EXPECT_NEAR(expected->GetSpacing()[axis], actual->GetSpacing()[axis], 1e-5) << what << ", spacing axis " << axis;
    for (unsigned column = 0; column < 3; ++column)
    {
      EXPECT_NEAR(expected->GetDirection()[axis][column], actual->GetDirection()[axis][column], 1e-5)
        << what << ", direction " << axis << "," << column;
    }
  }
}

bool
hasTemporaryFiles(const std::string & folder)
{
  for (const auto & entry : fs::directory_iterator(folder))
  {
    if (entry.path().filename().string().rfind(".tmp-", 0) == 0)
    {
      return true;
    }
  }
  return false;
}

class SegmentCommand : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_Data = unetpp::testing::sharedDataFolder();
    if (m_Data.empty())
    {
      GTEST_SKIP() << "real data folder ../shared/data is absent; the end-to-end tests need it";
    }
    if (!fs::is_regular_file(unetpp::testing::bundledModelPath()))
    {
      GTEST_SKIP() << "bundled model " << unetpp::testing::bundledModelPath() << " is absent";
    }
    m_Folder = unetpp::testing::makeTemporaryFolder();
  }

  void TearDown() override
  {
    if (!m_Folder.empty())
    {
      fs::remove_all(m_Folder);
    }
  }

  /** Runs segment and expects failure with one line that contains `expected`, and no output written. */
  void expectRejected(const std::string & arguments, const std::string & expected, const std::string & output)
  {
    const auto result = runUnetpp("segment " + arguments + " --output " + quoted(output));
    EXPECT_EQ(result.exitStatus, 1) << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << "message was: " << result.output;
    EXPECT_NE(result.output.find("unetpp segment: error: "), std::string::npos) << result.output;
    EXPECT_FALSE(fs::exists(output)) << "a failed run left " << output;
    if (fs::is_directory(fs::path(output).parent_path()))
    {
      EXPECT_FALSE(hasTemporaryFiles(fs::path(output).parent_path().string()));
    }
  }

  std::string m_Data;
  std::string m_Folder;
};

TEST_F(SegmentCommand, DicomCropSeriesKeepGeometry)
{
  int segmented = 0;
  for (const auto & study : fs::directory_iterator(m_Data + "/mr-dicom-studies"))
  {
    for (const auto & series : fs::directory_iterator(study.path()))
    {
      if (series.path().filename().string().find("HCropVolume") == std::string::npos)
      {
        continue;
      }
      const std::string output = m_Folder + "/" + study.path().filename().string() + ".nii.gz";
      const auto result = runUnetpp("segment --input " + quoted(series.path().string()) + " --output " + quoted(output));
      ASSERT_EQ(result.exitStatus, 0) << result.output;
      EXPECT_NE(result.output.find("mL"), std::string::npos) << "no label volume reported: " << result.output;

      const auto input = readDicomSeries(series.path().string());
      const auto labels = readImage<LabelImage>(output);
      expectSameGeometry(input, labels, series.path().string());

      // A hippocampus crop contains one hippocampus: both parts must be found, and an adult hippocampus
      // is roughly 2 to 5 mL, so the total must lie within a generous 1 to 8 mL.
      const auto * buffer = labels->GetBufferPointer();
      const size_t voxels = labels->GetLargestPossibleRegion().GetNumberOfPixels();
      size_t anterior = 0;
      size_t posterior = 0;
      for (size_t index = 0; index < voxels; ++index)
      {
        ASSERT_GE(buffer[index], 0) << "unexpected label at voxel " << index;
        ASSERT_LE(buffer[index], 2) << "unexpected label at voxel " << index;
        anterior += buffer[index] == 1 ? 1 : 0;
        posterior += buffer[index] == 2 ? 1 : 0;
      }
      const double voxelVolume = input->GetSpacing()[0] * input->GetSpacing()[1] * input->GetSpacing()[2];
      const double totalMillilitres = static_cast<double>(anterior + posterior) * voxelVolume / 1000.0;
      EXPECT_GT(anterior, 0U) << series.path();
      EXPECT_GT(posterior, 0U) << series.path();
      EXPECT_GT(totalMillilitres, 1.0) << series.path();
      EXPECT_LT(totalMillilitres, 8.0) << series.path();
      ++segmented;
    }
  }
  EXPECT_EQ(segmented, 3) << "expected the three hippocampus crop series of mr-dicom-studies";
}

TEST_F(SegmentCommand, HeldOutCasesMatchGroundTruth)
{
  // Only cases that the bundled model held out for validation are fair to score.
  const auto metadata = unetpp::readModelMetadata(unetpp::testing::bundledModelPath());
  const auto & names = metadata.training.at("validation_case_names");
  ASSERT_GE(names.size(), 5U);

  double diceSum = 0.0;
  const size_t cases = 5;
  for (size_t index = 0; index < cases; ++index)
  {
    const std::string name = names[index].get<std::string>();
    const std::string image = m_Data + "/hippocampus/imagesTr/" + name;
    const std::string truthPath = m_Data + "/hippocampus/labelsTr/" + name;
    const std::string output = m_Folder + "/" + name;
    const auto result = runUnetpp("segment --input " + quoted(image) + " --output " + quoted(output) + " --level 4");
    ASSERT_EQ(result.exitStatus, 0) << result.output;

    const auto input = readImage<FloatImage>(image);
    const auto predicted = readImage<LabelImage>(output);
    expectSameGeometry(input, predicted, name);

    const auto truth = readImage<FloatImage>(truthPath);
    const auto voxels = static_cast<int64_t>(predicted->GetLargestPossibleRegion().GetNumberOfPixels());
    const torch::Tensor predictedTensor =
      torch::from_blob(predicted->GetBufferPointer(), { voxels }, torch::kInt16).to(torch::kInt64);
    const torch::Tensor truthTensor = torch::from_blob(truth->GetBufferPointer(), { voxels }, torch::kFloat32).round().to(torch::kInt64);
    for (const int label : { 1, 2 })
    {
      const double dice = unetpp::diceScore(unetpp::countOverlap(predictedTensor, truthTensor, label));
      // The model card reports a mean validation Dice of at least 0.85; single cases vary, so each case
      // and label must reach 0.6 and the mean over these cases 0.8.
      EXPECT_GT(dice, 0.6) << name << " label " << label;
      diceSum += dice;
    }
  }
  EXPECT_GT(diceSum / (2.0 * cases), 0.8);
}

TEST_F(SegmentCommand, ProbabilitiesMatchLabelmap)
{
  const std::string image = m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz";
  const std::string labels = m_Folder + "/labels.nrrd";
  const std::string probabilities = m_Folder + "/probabilities.nrrd";
  const auto result = runUnetpp("segment --input " + quoted(image) + " --output " + quoted(labels) + " --probabilities " +
                                quoted(probabilities) + " --level 2 --mode fast");
  ASSERT_EQ(result.exitStatus, 0) << result.output;

  const auto labelImage = readImage<LabelImage>(labels);
  const auto probabilityImage = readImage<itk::VectorImage<float, 3>>(probabilities);
  ASSERT_EQ(probabilityImage->GetNumberOfComponentsPerPixel(), 3U);
  expectSameGeometry(labelImage, probabilityImage, "probabilities");
  const size_t voxels = labelImage->GetLargestPossibleRegion().GetNumberOfPixels();
  const float * values = probabilityImage->GetBufferPointer();
  for (size_t index = 0; index < voxels; ++index)
  {
    const float * voxel = values + 3 * index;
    ASSERT_NEAR(voxel[0] + voxel[1] + voxel[2], 1.0F, 1e-4F);
    // Class indices equal label values (0, 1, 2) in the bundled model, so the label is the arg-max.
    const auto best = static_cast<short>(std::max_element(voxel, voxel + 3) - voxel);
    ASSERT_EQ(labelImage->GetBufferPointer()[index], best) << "voxel " << index;
  }
}

TEST_F(SegmentCommand, MissingInputIsRejected)
{
  expectRejected("--input " + quoted(m_Folder + "/absent.nii.gz"), "does not exist", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, FolderWithoutDicomIsRejected)
{
  fs::create_directory(m_Folder + "/empty");
  std::ofstream(m_Folder + "/empty/notes.txt") << "not an image\n";
  expectRejected("--input " + quoted(m_Folder + "/empty"), "contains no DICOM image series", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, SeveralComponentsAreRejected)
{
  // Two copies of a real volume as the two components of one image: the model expects one channel.
  const auto image = readImage<FloatImage>(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz");
  auto twoComponents = itk::VectorImage<float, 3>::New();
  twoComponents->CopyInformation(image);
  twoComponents->SetRegions(image->GetLargestPossibleRegion());
  twoComponents->SetNumberOfComponentsPerPixel(2);
  twoComponents->Allocate();
  for (size_t index = 0; index < image->GetLargestPossibleRegion().GetNumberOfPixels(); ++index)
  {
    twoComponents->GetBufferPointer()[2 * index] = image->GetBufferPointer()[index];
    twoComponents->GetBufferPointer()[2 * index + 1] = image->GetBufferPointer()[index];
  }
  const std::string path = m_Folder + "/two-components.nrrd";
  itk::WriteImage(twoComponents, path);
  expectRejected("--input " + quoted(path), "expects 1 image channel(s) but the image has 2", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, FourDimensionalImageIsRejected)
{
  const auto image = readImage<FloatImage>(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz");
  using Image4D = itk::Image<float, 4>;
  auto series = Image4D::New();
  Image4D::SizeType size;
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    size[axis] = image->GetLargestPossibleRegion().GetSize()[axis];
  }
  size[3] = 2;
  series->SetRegions(size);
  series->Allocate();
  const size_t voxels = image->GetLargestPossibleRegion().GetNumberOfPixels();
  std::copy_n(image->GetBufferPointer(), voxels, series->GetBufferPointer());
  std::copy_n(image->GetBufferPointer(), voxels, series->GetBufferPointer() + voxels);
  const std::string path = m_Folder + "/four-d.nii.gz";
  itk::WriteImage(series, path);
  expectRejected("--input " + quoted(path), "is a 4D image", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, NonFiniteVoxelsAreRejected)
{
  auto image = readImage<FloatImage>(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz");
  image->GetBufferPointer()[100] = std::numeric_limits<float>::quiet_NaN();
  // MetaImage keeps NaN as it is, whereas ITK 5.2's NIfTI reader would turn it into 0 before the command reads it.
  const std::string path = m_Folder + "/nan.mha";
  itk::WriteImage(image, path);
  expectRejected("--input " + quoted(path), "NaN or infinite", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, TruncatedImageIsRejected)
{
  // Half of a real compressed NIfTI file: ITK 5.2 would read it and fill the missing voxels silently.
  const std::string truncated = m_Folder + "/truncated.nii.gz";
  fs::copy_file(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz", truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  expectRejected("--input " + quoted(truncated), "is truncated or damaged", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, TruncatedModelIsRejected)
{
  const std::string truncated = m_Folder + "/truncated.unetpp";
  fs::copy_file(unetpp::testing::bundledModelPath(), truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  expectRejected("--model " + quoted(truncated) + " --input " + quoted(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz"),
                 "invalid model file " + truncated, m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, FileThatIsNotAModelIsRejected)
{
  const std::string image = m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz";
  expectRejected("--model " + quoted(image) + " --input " + quoted(image), "not a UNet++ model file",
                 m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, UnwritableOutputIsRejected)
{
  const std::string image = m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz";
  expectRejected("--input " + quoted(image), "does not exist", m_Folder + "/no-such-folder/out.nii.gz");
  expectRejected("--input " + quoted(image), "must end in", m_Folder + "/out.jpg");
}

TEST_F(SegmentCommand, DuplicateDicomSliceIsRejected)
{
  // A copy of one file under a second name puts two slices at one position. Stacking them would halve
  // the slice spacing and every label volume.
  const std::string series = m_Folder + "/duplicate";
  fs::copy(m_Data + "/mr-dicom-studies/Study1/13_HCropVolume", series);
  fs::copy_file(series + "/5.dcm", series + "/5copy.dcm");
  expectRejected("--input " + quoted(series), "two files at the same slice position", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, MissingDicomSliceIsRejected)
{
  // Without one inner file the slice spacing jumps from 1 mm to 2 mm at the gap.
  const std::string series = m_Folder + "/gap";
  fs::copy(m_Data + "/mr-dicom-studies/Study1/13_HCropVolume", series);
  fs::remove(series + "/10.dcm");
  expectRejected("--input " + quoted(series), "uneven slice spacing", m_Folder + "/out.nii.gz");
}

TEST_F(SegmentCommand, OutputOverInputIsRejected)
{
  const std::string image = m_Folder + "/image.nii.gz";
  fs::copy_file(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz", image);
  const auto sizeBefore = fs::file_size(image);
  const auto result = runUnetpp("segment --input " + quoted(image) + " --output " + quoted(image));
  EXPECT_EQ(result.exitStatus, 2) << result.output;
  EXPECT_NE(result.output.find("is the same file as the input"), std::string::npos) << result.output;
  EXPECT_EQ(fs::file_size(image), sizeBefore) << "the input was overwritten";
}

TEST_F(SegmentCommand, OutputFolderIsRejected)
{
  fs::create_directory(m_Folder + "/folder.nii.gz");
  const auto result = runUnetpp("segment --input " + quoted(m_Data + "/hippocampus/imagesTr/hippocampus_001.nii.gz") +
                                " --output " + quoted(m_Folder + "/folder.nii.gz"));
  EXPECT_EQ(result.exitStatus, 1) << result.output;
  EXPECT_NE(result.output.find("is a folder"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("segmented"), std::string::npos) << "the check must run before inference";
}

TEST_F(SegmentCommand, UnknownOptionIsAUsageError)
{
  const auto result = runUnetpp("segment --input x --output y --colour red");
  EXPECT_EQ(result.exitStatus, 2);
  EXPECT_NE(result.output.find("unknown option --colour"), std::string::npos) << result.output;
}

TEST_F(SegmentCommand, MissingOptionValueIsAUsageError)
{
  // An empty value, and an option where the value should be, are both a missing value.
  for (const std::string arguments : { "--input= --output y.png", "--model --tta --input x --output y.png",
                                       "--input x --output" })
  {
    const auto result = runUnetpp("segment " + arguments);
    EXPECT_EQ(result.exitStatus, 2) << arguments;
    EXPECT_NE(result.output.find("needs a value"), std::string::npos) << arguments << ": " << result.output;
  }
  const auto helpWithValue = runUnetpp("segment --help=1");
  EXPECT_EQ(helpWithValue.exitStatus, 2);
  EXPECT_NE(helpWithValue.output.find("option --help takes no value"), std::string::npos) << helpWithValue.output;
}

TEST_F(SegmentCommand, RepeatedOptionIsAUsageError)
{
  // Every command shares one parser, so segment and batch reject a repeat alike, for options and for flags.
  const auto repeatedValue = runUnetpp("segment --input x --output y --level 2 --level=3");
  EXPECT_EQ(repeatedValue.exitStatus, 2);
  EXPECT_NE(repeatedValue.output.find("option --level is given more than once"), std::string::npos)
    << repeatedValue.output;
  const auto repeatedFlag = runUnetpp("batch --input x --output y --force --force");
  EXPECT_EQ(repeatedFlag.exitStatus, 2);
  EXPECT_NE(repeatedFlag.output.find("option --force is given more than once"), std::string::npos)
    << repeatedFlag.output;
}

} // namespace

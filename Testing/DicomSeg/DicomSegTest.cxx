// Writing labelmaps as DICOM Segmentation objects and reading them back.

#include "DicomSeg.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmiod/cielabutil.h>

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImageFileReader.h>
#include <itkImageSeriesReader.h>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace
{

namespace fs = std::filesystem;
using unetpp::SegLabelVolume;

const fs::path SharedDataDir = UNETPP_SHARED_DATA_DIR;
const fs::path SegExamplesDir = SharedDataDir / "dicom-seg-examples";
const fs::path MrSeriesDir = SharedDataDir / "mr-dicom-studies" / "Study1" / "13_HCropVolume";
const fs::path CtSeriesDir = SegExamplesDir / "ct-3slice";

#define SKIP_WITHOUT_SHARED_DATA()                                                                                     \
  if (!fs::is_directory(SharedDataDir))                                                                                \
  {                                                                                                                    \
    GTEST_SKIP() << "Shared test data not found at " << SharedDataDir << "; DICOM SEG tests on real series skipped.";  \
  }

/** A source series as ITK reads it: the grid and the file names in slice order. */
struct SourceSeries
{
  SegLabelVolume::Pointer grid;
  std::vector<std::string> files;
};

SourceSeries
readSourceSeries(const fs::path & folder)
{
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(true);
  names->SetDirectory(folder.string());
  const auto seriesUids = names->GetSeriesUIDs();
  EXPECT_EQ(seriesUids.size(), 1u) << "expected one series in " << folder;

  SourceSeries series;
  series.files = names->GetFileNames(seriesUids.front());
  using Reader = itk::ImageSeriesReader<SegLabelVolume>;
  auto reader = Reader::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(series.files);
  reader->Update();
  series.grid = reader->GetOutput();
  return series;
}

SegLabelVolume::Pointer
createEmptyLabelmap(const SegLabelVolume * grid)
{
  auto labels = SegLabelVolume::New();
  labels->SetRegions(grid->GetLargestPossibleRegion());
  labels->SetOrigin(grid->GetOrigin());
  labels->SetSpacing(grid->GetSpacing());
  labels->SetDirection(grid->GetDirection());
  labels->Allocate(true);
  return labels;
}

void
drawBox(SegLabelVolume * labels, const std::array<long, 3> & first, const std::array<long, 3> & last,
        unsigned short value)
{
  for (long k = first[2]; k <= last[2]; ++k)
  {
    for (long j = first[1]; j <= last[1]; ++j)
    {
      for (long i = first[0]; i <= last[0]; ++i)
      {
        labels->SetPixel({ { i, j, k } }, value);
      }
    }
  }
}

unetpp::ClassInfo
liverClass()
{
  unetpp::ClassInfo info;
  info.name = "Liver";
  info.labelValue = 1;
  info.color = { 221, 130, 101 };
  info.category = { "123037004", "SCT", "Anatomical Structure" };
  info.type = { "10200004", "SCT", "Liver" };
  return info;
}

/** A class without codes, which the writer must file under the fallback category and type. */
unetpp::ClassInfo
uncodedClass()
{
  unetpp::ClassInfo info;
  info.name = "Finding";
  info.labelValue = 3;
  info.color = { 0, 151, 206 };
  return info;
}

unetpp::ClassInfo
spleenClass()
{
  unetpp::ClassInfo info;
  info.name = "Spleen";
  info.labelValue = 2;
  info.color = { 157, 108, 162 };
  info.category = { "123037004", "SCT", "Anatomical Structure" };
  info.type = { "78961009", "SCT", "Spleen" };
  return info;
}

/** A class whose type carries a laterality modifier. */
unetpp::ClassInfo
leftKidneyClass()
{
  unetpp::ClassInfo info;
  info.name = "Left kidney";
  info.labelValue = 4;
  info.color = { 185, 102, 83 };
  info.category = { "123037004", "SCT", "Anatomical Structure" };
  info.type = { "64033007", "SCT", "Kidney" };
  info.typeModifier = { "7771000", "SCT", "Left" };
  return info;
}

/** A fresh folder under the system temporary folder, removed with everything in it at the end of the test. */
class TemporaryFolder
{
public:
  TemporaryFolder()
  {
    std::random_device random;
    m_Path = fs::temp_directory_path() / ("unetpp-dicomseg-" + std::to_string(random()));
    fs::create_directories(m_Path);
  }
  ~TemporaryFolder()
  {
    std::error_code ignored;
    fs::remove_all(m_Path, ignored);
  }
  const fs::path & path() const { return m_Path; }

private:
  fs::path m_Path;
};

std::size_t
countEntries(const fs::path & folder)
{
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

/** Runs dciodvfy (dicom3tools) on a file and returns its output, errors and warnings together. */
std::string
runDciodvfy(const fs::path & file)
{
  const std::string command = "dciodvfy '" + file.string() + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(command.c_str(), "r"), pclose);
  EXPECT_TRUE(pipe) << "cannot run " << command;
  std::string output;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof(buffer), pipe.get()))
  {
    output += buffer;
  }
  return output;
}

std::vector<std::string>
linesContaining(const std::string & text, const std::string & word)
{
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);)
  {
    if (line.find(word) != std::string::npos)
    {
      lines.push_back(line);
    }
  }
  return lines;
}

void
expectValidDicom(const fs::path & file)
{
  const std::string output = runDciodvfy(file);
  // dciodvfy prints the name of the IOD it checked on a line of its own; without it the tool did not run.
  ASSERT_NE(("\n" + output).find("\nSegmentation\n"), std::string::npos)
    << "dciodvfy did not check the file as a Segmentation:\n" << output;
  const auto warnings = linesContaining(output, "Warning");
  for (const std::string & warning : warnings)
  {
    std::cout << "dciodvfy: " << warning << "\n";
  }
  EXPECT_TRUE(linesContaining(output, "Error").empty()) << "dciodvfy reports errors:\n" << output;
}

void
expectSameGrid(const SegLabelVolume * actual, const SegLabelVolume * expected, double tolerance)
{
  ASSERT_EQ(actual->GetLargestPossibleRegion().GetSize(), expected->GetLargestPossibleRegion().GetSize());
  for (unsigned int i = 0; i < 3; ++i)
  {
    EXPECT_NEAR(actual->GetOrigin()[i], expected->GetOrigin()[i], tolerance) << "origin " << i;
    EXPECT_NEAR(actual->GetSpacing()[i], expected->GetSpacing()[i], tolerance) << "spacing " << i;
    for (unsigned int j = 0; j < 3; ++j)
    {
      EXPECT_NEAR(actual->GetDirection()[i][j], expected->GetDirection()[i][j], tolerance)
        << "direction " << i << "," << j;
    }
  }
}

/** Returns the number of voxels whose values differ, so a failure states how far apart the labelmaps are. */
std::size_t
countDifferentVoxels(const SegLabelVolume * actual, const SegLabelVolume * expected)
{
  const std::size_t count = expected->GetLargestPossibleRegion().GetNumberOfPixels();
  const unsigned short * a = actual->GetBufferPointer();
  const unsigned short * b = expected->GetBufferPointer();
  std::size_t different = 0;
  for (std::size_t i = 0; i < count; ++i)
  {
    different += a[i] != b[i] ? 1 : 0;
  }
  return different;
}

std::size_t
countVoxels(const SegLabelVolume * labels, unsigned short value)
{
  const std::size_t count = labels->GetLargestPossibleRegion().GetNumberOfPixels();
  return static_cast<std::size_t>(
    std::count(labels->GetBufferPointer(), labels->GetBufferPointer() + count, value));
}

SegLabelVolume::Pointer
readNrrd(const fs::path & file)
{
  auto reader = itk::ImageFileReader<SegLabelVolume>::New();
  reader->SetFileName(file.string());
  reader->Update();
  return reader->GetOutput();
}

std::string
getString(DcmItem & item, const DcmTagKey & tag)
{
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

std::unique_ptr<DcmFileFormat>
loadDicom(const fs::path & file)
{
  auto fileFormat = std::make_unique<DcmFileFormat>();
  EXPECT_TRUE(fileFormat->loadFile(file.c_str()).good()) << "cannot read " << file;
  return fileFormat;
}

/** Code Value, Coding Scheme Designator and Code Meaning of the first item of a code sequence. */
std::array<std::string, 3>
readCode(DcmItem & item, const DcmTagKey & sequence)
{
  DcmItem * code = nullptr;
  if (item.findAndGetSequenceItem(sequence, code, 0).bad() || !code)
  {
    return {};
  }
  return { getString(*code, DCM_CodeValue), getString(*code, DCM_CodingSchemeDesignator),
           getString(*code, DCM_CodeMeaning) };
}

std::array<unsigned short, 3>
dcmtkDicomLab(const std::array<int, 3> & rgb)
{
  double l = 0.0;
  double a = 0.0;
  double b = 0.0;
  IODCIELabUtil::rgb2DicomLab(l, a, b, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  return { static_cast<unsigned short>(std::lround(l)), static_cast<unsigned short>(std::lround(a)),
           static_cast<unsigned short>(std::lround(b)) };
}

/**
 * Checks that every frame lies where the source instance it references lies, which ties the SEG's
 * Plane Position, Derivation Image and Referenced Series Sequence to the source series.
 */
void
expectFramesMatchSources(DcmDataset & seg, const std::vector<std::string> & sourceFiles)
{
  std::map<std::string, std::array<double, 3>> positionByInstance;
  for (const std::string & file : sourceFiles)
  {
    auto source = loadDicom(file);
    std::array<double, 3> position{};
    for (unsigned long i = 0; i < 3; ++i)
    {
      source->getDataset()->findAndGetFloat64(DCM_ImagePositionPatient, position[i], i);
    }
    positionByInstance[getString(*source->getDataset(), DCM_SOPInstanceUID)] = position;
  }

  DcmSequenceOfItems * perFrame = nullptr;
  ASSERT_TRUE(seg.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good());
  for (unsigned long f = 0; f < perFrame->card(); ++f)
  {
    DcmItem * frame = perFrame->getItem(f);
    DcmItem * derivation = nullptr;
    DcmItem * sourceImage = nullptr;
    DcmItem * planePosition = nullptr;
    ASSERT_TRUE(frame->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation).good()) << "frame " << f + 1;
    ASSERT_TRUE(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, sourceImage).good()) << "frame " << f + 1;
    ASSERT_TRUE(frame->findAndGetSequenceItem(DCM_PlanePositionSequence, planePosition).good()) << "frame " << f + 1;

    const std::string instance = getString(*sourceImage, DCM_ReferencedSOPInstanceUID);
    ASSERT_EQ(positionByInstance.count(instance), 1u) << "frame " << f + 1 << " references an unknown instance";
    for (unsigned long i = 0; i < 3; ++i)
    {
      double value = 0.0;
      planePosition->findAndGetFloat64(DCM_ImagePositionPatient, value, i);
      EXPECT_NEAR(value, positionByInstance[instance][i], 1e-3) << "frame " << f + 1 << " coordinate " << i;
    }
  }

  DcmItem * referencedSeries = nullptr;
  ASSERT_TRUE(seg.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, referencedSeries).good());
  DcmSequenceOfItems * referencedInstances = nullptr;
  ASSERT_TRUE(referencedSeries->findAndGetSequence(DCM_ReferencedInstanceSequence, referencedInstances).good());
  EXPECT_EQ(referencedInstances->card(), sourceFiles.size());
}

/** Writes a two-label labelmap on a real series, validates the file and reads it back. */
void
checkRoundTrip(const fs::path & seriesFolder, const std::array<long, 3> & boxFirst, const std::array<long, 3> & boxLast)
{
  const SourceSeries source = readSourceSeries(seriesFolder);
  auto labels = createEmptyLabelmap(source.grid);
  drawBox(labels, boxFirst, boxLast, 1);
  // The second box touches the first one so that a shifted or mirrored frame would make them overlap.
  drawBox(labels, { boxLast[0] + 1, boxFirst[1], boxFirst[2] }, { boxLast[0] + 5, boxLast[1], boxLast[2] }, 3);

  TemporaryFolder folder;
  const fs::path segPath = folder.path() / "seg.dcm";
  unetpp::writeDicomSeg(segPath.string(), labels, source.files, { liverClass(), spleenClass(), uncodedClass() }, {});
  ASSERT_TRUE(fs::exists(segPath));
  EXPECT_EQ(countEntries(folder.path()), 1u) << "the temporary file must be renamed, not left beside the SEG";

  expectValidDicom(segPath);

  // Segment 1 is the liver (label 1) and segment 2 the uncoded class (label 3): label 2 does not occur.
  const auto readBack = unetpp::readDicomSegLabelmap(segPath.string(), { 1, 3 });
  expectSameGrid(readBack, labels, 1e-4);
  EXPECT_EQ(countDifferentVoxels(readBack, labels), 0u);
  EXPECT_GT(countVoxels(readBack, 1), 0u);
  EXPECT_GT(countVoxels(readBack, 3), 0u);

  auto seg = loadDicom(segPath);
  expectFramesMatchSources(*seg->getDataset(), source.files);
}

} // namespace

TEST(DicomSeg, MissingFileIsRejected)
{
  EXPECT_THROW(unetpp::readDicomSegLabelmap("/nonexistent/seg.dcm"), std::exception);
}

TEST(DicomSegColour, WhiteAndBlackHaveKnownValues)
{
  // White is L* 100 and black L* 0, both with a* = b* = 0, which DICOM scales to 128 * 65535 / 255 = 32896.
  EXPECT_EQ(unetpp::rgbToDicomCIELab({ 255, 255, 255 }), (std::array<unsigned short, 3>{ 65535, 32896, 32896 }));
  EXPECT_EQ(unetpp::rgbToDicomCIELab({ 0, 0, 0 }), (std::array<unsigned short, 3>{ 0, 32896, 32896 }));
}

TEST(DicomSegColour, MatchesDcmtkConversion)
{
  const std::vector<std::array<int, 3>> colours{ { 255, 0, 0 },   { 0, 255, 0 },     { 0, 0, 255 },
                                                 { 221, 130, 101 }, { 128, 174, 128 }, { 12, 200, 250 } };
  for (const auto & rgb : colours)
  {
    const auto ours = unetpp::rgbToDicomCIELab(rgb);
    const auto dcmtk = dcmtkDicomLab(rgb);
    for (std::size_t i = 0; i < 3; ++i)
    {
      // One unit of L* is 655 DICOM steps and one unit of a* or b* 257. Both conversions round the sRGB
      // matrix and white point differently, which moves a* or b* by up to about 0.03 units (8 steps).
      EXPECT_NEAR(ours[i], dcmtk[i], 10) << "RGB " << rgb[0] << "," << rgb[1] << "," << rgb[2] << " component " << i;
    }
  }
}

TEST(DicomSegColour, MatchesLiverReferenceSeg)
{
  SKIP_WITHOUT_SHARED_DATA();
  // liver.dcm stores 41661\41167\40792 for 3D Slicer's liver colour, RGB 221, 130, 101.
  const auto lab = unetpp::rgbToDicomCIELab({ 221, 130, 101 });
  EXPECT_NEAR(lab[0], 41661, 5);
  EXPECT_NEAR(lab[1], 41167, 5);
  EXPECT_NEAR(lab[2], 40792, 5);
}

TEST(DicomSegRoundTrip, MrSeries)
{
  SKIP_WITHOUT_SHARED_DATA();
  checkRoundTrip(MrSeriesDir, { 5, 12, 3 }, { 20, 40, 20 });
}

TEST(DicomSegRoundTrip, CtThreeSlices)
{
  SKIP_WITHOUT_SHARED_DATA();
  // The boxes cover only the middle slice, so slices 0 and 2 carry no label and must still come back.
  checkRoundTrip(CtSeriesDir, { 200, 220, 1 }, { 260, 300, 1 });
}

TEST(DicomSegWrite, CopiesSourceIdentityAndDescribesSegments)
{
  SKIP_WITHOUT_SHARED_DATA();
  const SourceSeries source = readSourceSeries(MrSeriesDir);
  auto labels = createEmptyLabelmap(source.grid);
  drawBox(labels, { 5, 5, 2 }, { 15, 15, 6 }, 1);
  drawBox(labels, { 20, 20, 8 }, { 25, 25, 9 }, 3);
  drawBox(labels, { 20, 30, 12 }, { 25, 35, 14 }, 4);

  TemporaryFolder folder;
  const fs::path segPath = folder.path() / "identity.dcm";
  unetpp::DicomSegDescription description;
  description.seriesDescription = "Liver and findings";
  description.seriesNumber = 901;
  unetpp::writeDicomSeg(segPath.string(), labels, source.files,
                        { liverClass(), spleenClass(), uncodedClass(), leftKidneyClass() }, description);

  auto sourceFile = loadDicom(source.files.front());
  auto seg = loadDicom(segPath);
  DcmDataset & sourceData = *sourceFile->getDataset();
  DcmDataset & segData = *seg->getDataset();

  EXPECT_EQ(getString(segData, DCM_SOPClassUID), UID_SegmentationStorage);
  EXPECT_EQ(getString(segData, DCM_Modality), "SEG");
  EXPECT_EQ(getString(segData, DCM_SegmentationType), "BINARY");
  EXPECT_EQ(getString(segData, DCM_PatientID), getString(sourceData, DCM_PatientID));
  EXPECT_EQ(getString(segData, DCM_PatientName), getString(sourceData, DCM_PatientName));
  EXPECT_EQ(getString(segData, DCM_StudyInstanceUID), getString(sourceData, DCM_StudyInstanceUID));
  EXPECT_EQ(getString(segData, DCM_FrameOfReferenceUID), getString(sourceData, DCM_FrameOfReferenceUID));
  EXPECT_FALSE(getString(segData, DCM_SeriesInstanceUID).empty());
  EXPECT_NE(getString(segData, DCM_SeriesInstanceUID), getString(sourceData, DCM_SeriesInstanceUID));
  EXPECT_NE(getString(segData, DCM_SOPInstanceUID), getString(sourceData, DCM_SOPInstanceUID));
  EXPECT_EQ(getString(segData, DCM_SeriesDescription), "Liver and findings");
  EXPECT_EQ(getString(segData, DCM_SeriesNumber), "901");

  DcmItem * referencedSeries = nullptr;
  ASSERT_TRUE(segData.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, referencedSeries).good());
  EXPECT_EQ(getString(*referencedSeries, DCM_SeriesInstanceUID), getString(sourceData, DCM_SeriesInstanceUID));

  // Label 2 (spleen) does not occur, so only the liver, the uncoded class and the kidney become segments.
  DcmSequenceOfItems * segments = nullptr;
  ASSERT_TRUE(segData.findAndGetSequence(DCM_SegmentSequence, segments).good());
  ASSERT_EQ(segments->card(), 3u);

  DcmItem & liver = *segments->getItem(0);
  EXPECT_EQ(getString(liver, DCM_SegmentLabel), "Liver");
  EXPECT_EQ(getString(liver, DCM_SegmentAlgorithmType), "AUTOMATIC");
  EXPECT_EQ(getString(liver, DCM_SegmentAlgorithmName), "UNet++");
  EXPECT_EQ(readCode(liver, DCM_SegmentedPropertyCategoryCodeSequence),
            (std::array<std::string, 3>{ "123037004", "SCT", "Anatomical Structure" }));
  EXPECT_EQ(readCode(liver, DCM_SegmentedPropertyTypeCodeSequence),
            (std::array<std::string, 3>{ "10200004", "SCT", "Liver" }));

  DcmItem & finding = *segments->getItem(1);
  EXPECT_EQ(getString(finding, DCM_SegmentLabel), "Finding");
  EXPECT_EQ(readCode(finding, DCM_SegmentedPropertyCategoryCodeSequence),
            (std::array<std::string, 3>{ "123037004", "SCT", "Anatomical Structure" }));
  EXPECT_EQ(readCode(finding, DCM_SegmentedPropertyTypeCodeSequence),
            (std::array<std::string, 3>{ "123037004", "SCT", "Anatomical Structure" }));

  EXPECT_EQ(readCode(liver, DCM_SegmentedPropertyTypeModifierCodeSequence), (std::array<std::string, 3>{}));

  DcmItem & kidney = *segments->getItem(2);
  EXPECT_EQ(getString(kidney, DCM_SegmentLabel), "Left kidney");
  EXPECT_EQ(readCode(kidney, DCM_SegmentedPropertyTypeCodeSequence),
            (std::array<std::string, 3>{ "64033007", "SCT", "Kidney" }));
  // DICOM nests the modifier inside the item of the Segmented Property Type Code Sequence.
  DcmItem * kidneyType = nullptr;
  ASSERT_TRUE(kidney.findAndGetSequenceItem(DCM_SegmentedPropertyTypeCodeSequence, kidneyType).good());
  EXPECT_EQ(readCode(*kidneyType, DCM_SegmentedPropertyTypeModifierCodeSequence),
            (std::array<std::string, 3>{ "7771000", "SCT", "Left" }));

  const std::vector<std::pair<DcmItem *, std::array<int, 3>>> colours{ { &liver, liverClass().color },
                                                                      { &finding, uncodedClass().color },
                                                                      { &kidney, leftKidneyClass().color } };
  for (const auto & [segment, rgb] : colours)
  {
    const auto expected = dcmtkDicomLab(rgb);
    for (unsigned long i = 0; i < 3; ++i)
    {
      Uint16 value = 0;
      ASSERT_TRUE(segment->findAndGetUint16(DCM_RecommendedDisplayCIELabValue, value, i).good());
      EXPECT_NEAR(value, expected[i], 10) << getString(*segment, DCM_SegmentLabel) << " component " << i;
    }
  }
}

TEST(DicomSegWrite, RejectsSliceCountMismatch)
{
  SKIP_WITHOUT_SHARED_DATA();
  const SourceSeries source = readSourceSeries(MrSeriesDir);
  auto labels = createEmptyLabelmap(source.grid);
  drawBox(labels, { 5, 5, 2 }, { 15, 15, 6 }, 1);
  std::vector<std::string> tooFewFiles(source.files.begin(), source.files.end() - 1);

  TemporaryFolder folder;
  const fs::path segPath = folder.path() / "mismatch.dcm";
  EXPECT_THROW(unetpp::writeDicomSeg(segPath.string(), labels, tooFewFiles, { liverClass() }, {}),
               std::invalid_argument);
  EXPECT_EQ(countEntries(folder.path()), 0u);
}

TEST(DicomSegWrite, RejectsLabelmapOffTheSourceGrid)
{
  SKIP_WITHOUT_SHARED_DATA();
  const SourceSeries source = readSourceSeries(MrSeriesDir);
  auto labels = createEmptyLabelmap(source.grid);
  drawBox(labels, { 5, 5, 2 }, { 15, 15, 6 }, 1);
  auto origin = labels->GetOrigin();
  origin[2] += 5.0 * labels->GetSpacing()[2];
  labels->SetOrigin(origin);

  TemporaryFolder folder;
  const fs::path segPath = folder.path() / "shifted.dcm";
  EXPECT_THROW(unetpp::writeDicomSeg(segPath.string(), labels, source.files, { liverClass() }, {}),
               std::invalid_argument);
  EXPECT_EQ(countEntries(folder.path()), 0u);
}

TEST(DicomSegWrite, RejectsMissingFolder)
{
  SKIP_WITHOUT_SHARED_DATA();
  const SourceSeries source = readSourceSeries(CtSeriesDir);
  auto labels = createEmptyLabelmap(source.grid);
  drawBox(labels, { 5, 5, 0 }, { 15, 15, 2 }, 1);

  TemporaryFolder folder;
  const fs::path missingFolder = folder.path() / "missing";
  EXPECT_THROW(unetpp::writeDicomSeg((missingFolder / "seg.dcm").string(), labels, source.files, { liverClass() }, {}),
               std::invalid_argument);
  EXPECT_FALSE(fs::exists(missingFolder));
  EXPECT_EQ(countEntries(folder.path()), 0u);
}

TEST(DicomSegWrite, RejectsLabelWithoutClass)
{
  SKIP_WITHOUT_SHARED_DATA();
  const SourceSeries source = readSourceSeries(CtSeriesDir);
  auto labels = createEmptyLabelmap(source.grid);
  drawBox(labels, { 5, 5, 0 }, { 15, 15, 2 }, 7);

  TemporaryFolder folder;
  const fs::path segPath = folder.path() / "unknown-label.dcm";
  EXPECT_THROW(unetpp::writeDicomSeg(segPath.string(), labels, source.files, { liverClass() }, {}),
               std::invalid_argument);
  EXPECT_EQ(countEntries(folder.path()), 0u);
}

TEST(DicomSegWrite, RejectsEmptyLabelmap)
{
  SKIP_WITHOUT_SHARED_DATA();
  const SourceSeries source = readSourceSeries(CtSeriesDir);
  auto labels = createEmptyLabelmap(source.grid);

  TemporaryFolder folder;
  const fs::path segPath = folder.path() / "empty.dcm";
  EXPECT_THROW(unetpp::writeDicomSeg(segPath.string(), labels, source.files, { liverClass() }, {}),
               std::invalid_argument);
  EXPECT_EQ(countEntries(folder.path()), 0u);
}

TEST(DicomSegRead, LiverReferenceMatchesNrrd)
{
  SKIP_WITHOUT_SHARED_DATA();
  const auto seg = unetpp::readDicomSegLabelmap((SegExamplesDir / "liver.dcm").string());
  const auto expected = readNrrd(SegExamplesDir / "liver_seg.nrrd");
  // The NRRD states the origin with more digits than the SEG's decimal strings.
  expectSameGrid(seg, expected, 1e-3);
  EXPECT_GT(countVoxels(expected, 1), 0u);
  EXPECT_EQ(countDifferentVoxels(seg, expected), 0u);
}

TEST(DicomSegRead, OddAndEvenColumnCountsMatchNrrd)
{
  SKIP_WITHOUT_SHARED_DATA();
  // With 23 columns a frame of 23 x 38 pixels ends inside a byte, so the frames' bits are not byte-aligned.
  for (const char * example : { "23x38x3", "24x38x3" })
  {
    SCOPED_TRACE(example);
    const auto seg = unetpp::readDicomSegLabelmap((SegExamplesDir / example / "seg" / "label.seg").string());
    const auto expected = readNrrd(SegExamplesDir / example / "nrrd" / "label.nrrd");
    expectSameGrid(seg, expected, 1e-3);
    EXPECT_GT(countVoxels(expected, 1), 0u);
    EXPECT_EQ(countDifferentVoxels(seg, expected), 0u);
  }
}

TEST(DicomSegRead, LabelmapSegmentationTypeIsRejected)
{
  SKIP_WITHOUT_SHARED_DATA();
  // These examples are Label Map Segmentation objects, a SOP class that DCMTK 3.6.7 does not know.
  for (const char * example : { "sparse-labelmap-noppv.dcm", "sparse-labelmap-ppv5.dcm" })
  {
    try
    {
      unetpp::readDicomSegLabelmap((SegExamplesDir / example).string());
      ADD_FAILURE() << example << " was read although it is not BINARY";
    }
    catch (const std::invalid_argument & error)
    {
      EXPECT_NE(std::string(error.what()).find("LABELMAP"), std::string::npos) << error.what();
    }
  }
}

TEST(DicomSegRead, OverlappingSegmentsAreRejected)
{
  SKIP_WITHOUT_SHARED_DATA();
  try
  {
    unetpp::readDicomSegLabelmap((SegExamplesDir / "partial_overlaps.dcm").string());
    ADD_FAILURE() << "partial_overlaps.dcm was read although its segments overlap";
  }
  catch (const std::invalid_argument & error)
  {
    EXPECT_NE(std::string(error.what()).find("overlap"), std::string::npos) << error.what();
  }
}

TEST(DicomSegRead, LabelValuesReplaceSegmentNumbers)
{
  SKIP_WITHOUT_SHARED_DATA();
  const auto bySegmentNumber = unetpp::readDicomSegLabelmap((SegExamplesDir / "liver.dcm").string());
  const auto byLabelValue = unetpp::readDicomSegLabelmap((SegExamplesDir / "liver.dcm").string(), { 6 });
  EXPECT_GT(countVoxels(bySegmentNumber, 1), 0u);
  EXPECT_EQ(countVoxels(byLabelValue, 6), countVoxels(bySegmentNumber, 1));
  EXPECT_EQ(countVoxels(byLabelValue, 1), 0u);
}

// Scanning folders of DICOM files: recognition by content, grouping by series and slice order.
//
// The real-data tests build one folder tree in a temporary directory from the sets in the shared data folder
// (symbolic links, and modified copies where a case needs one) plus files the test writes, and scan it once.

#include "DicomScan.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageSeriesReader.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace
{

const fs::path SharedData = UNETPP_SHARED_DATA_DIR;

constexpr double GeometryTolerance = 1e-3;

void
link(const fs::path & target, const fs::path & linkPath)
{
  fs::create_directories(linkPath.parent_path());
  fs::create_symlink(target, linkPath);
}

/** Copies a DICOM file with some attributes replaced, so that it forms a series of its own. */
void
copyWithAttributes(const fs::path & source, const fs::path & target, const std::map<DcmTagKey, std::string> & values)
{
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(source.c_str()).good()) << source;
  for (const auto & [tag, value] : values)
  {
    ASSERT_TRUE(file.getDataset()->putAndInsertString(tag, value.c_str()).good());
  }
  fs::create_directories(target.parent_path());
  ASSERT_TRUE(file.saveFile(target.c_str(), EXS_Unknown).good()) << target;
}

void
writeText(const fs::path & path, const std::string & text)
{
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string
readAttribute(const fs::path & path, const DcmTagKey & tag)
{
  DcmFileFormat file;
  OFString value;
  if (file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 256).good())
  {
    file.getDataset()->findAndGetOFStringArray(tag, value);
  }
  return value.c_str();
}

std::array<double, 3>
readVector3(const fs::path & path, const DcmTagKey & tag)
{
  DcmFileFormat file;
  EXPECT_TRUE(file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 256).good()) << path;
  std::array<double, 3> values{};
  for (unsigned long index = 0; index < 3; ++index)
  {
    Float64 value = 0.0;
    EXPECT_TRUE(file.getDataset()->findAndGetFloat64(tag, value, index).good()) << path;
    values[index] = value;
  }
  return values;
}

/** The slice normal of a file, computed here from its Image Orientation (Patient). */
std::array<double, 3>
readNormal(const fs::path & path)
{
  DcmFileFormat file;
  EXPECT_TRUE(file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 256).good()) << path;
  std::array<double, 6> cosines{};
  for (unsigned long index = 0; index < 6; ++index)
  {
    file.getDataset()->findAndGetFloat64(DCM_ImageOrientationPatient, cosines[index], index);
  }
  return { cosines[1] * cosines[5] - cosines[2] * cosines[4], cosines[2] * cosines[3] - cosines[0] * cosines[5],
           cosines[0] * cosines[4] - cosines[1] * cosines[3] };
}

double
dot(const std::array<double, 3> & a, const std::array<double, 3> & b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

std::vector<fs::path>
regularFilesUnder(const fs::path & folder)
{
  std::vector<fs::path> files;
  for (const auto & entry : fs::recursive_directory_iterator(folder))
  {
    if (entry.is_regular_file())
    {
      files.push_back(entry.path());
    }
  }
  return files;
}

/** The scanned test folder, built and scanned once for all tests. */
struct ScannedFolder
{
  fs::path root;
  unetpp::DicomScanResult result;
  double scanSeconds = 0.0;
  size_t progressCalls = 0;
  std::string removedSlice; ///< the file left out of the copied T2 series
};

const fs::path T2Series = "mr-dicom-studies/Study3/37830-T2reg-78532";
const fs::path CropSeries = "mr-dicom-studies/Study1/13_HCropVolume";

/** Builds the test folder. A comment above each block describes what it adds and why. */
void
buildFolder(ScannedFolder & folder)
{
  folder.root = fs::temp_directory_path() / ("unetpp-dicom-scan-" + std::to_string(::getpid()));
  fs::remove_all(folder.root);

  // The three MR studies, one series per folder. Study2's files are renamed without extension.
  for (const auto & entry : fs::recursive_directory_iterator(SharedData / "mr-dicom-studies"))
  {
    if (!entry.is_regular_file())
    {
      continue;
    }
    fs::path relative = fs::relative(entry.path(), SharedData);
    if (relative.string().find("Study2") != std::string::npos)
    {
      relative = relative.parent_path() / ("IM" + relative.stem().string());
    }
    link(entry.path(), folder.root / relative);
  }

  // The JPEG 2000 CT, whose files have no Study or Series Instance UID.
  for (const auto & entry : fs::directory_iterator(SharedData / "ct-dicom-j2k/series"))
  {
    link(entry.path(), folder.root / "ct-j2k" / entry.path().filename());
  }

  // DICOM SEG objects with the CT they segment, a multi-frame CT, and the NRRD, PNG, JPEG and text files beside them.
  const fs::path segExamples = SharedData / "dicom-seg-examples";
  for (const char * name : { "liver.dcm", "partial_overlaps.dcm", "sparse-labelmap-noppv.dcm", "sparse-labelmap-ppv5.dcm",
                             "LICENSE.txt", "ct-3slice/01.dcm", "ct-3slice/02.dcm", "ct-3slice/03.dcm" })
  {
    link(segExamples / name, folder.root / "seg" / name);
  }
  for (const auto & entry : fs::recursive_directory_iterator(segExamples / "23x38x3"))
  {
    if (entry.is_regular_file())
    {
      link(entry.path(), folder.root / "seg" / fs::relative(entry.path(), segExamples));
    }
  }

  // Files that are not DICOM or cannot be read.
  const fs::path junk = folder.root / "junk";
  writeText(junk / "empty.dcm", "");
  writeText(junk / "notes.txt", "Series 3 was repeated because the patient moved.\n");
  writeText(junk / "unreadable.dcm", "this file has no read permission\n");
  fs::permissions(junk / "unreadable.dcm", fs::perms::none);
  {
    const fs::path source = SharedData / CropSeries / "1.dcm";
    std::ifstream input(source, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
    std::ofstream(junk / "truncated.dcm", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  {
    DcmFileFormat dicomdir;
    dicomdir.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPClassUID, UID_MediaStorageDirectoryStorage);
    dicomdir.getDataset()->putAndInsertString(DCM_FileSetID, "UNETPP");
    dicomdir.getDataset()->insertEmptyElement(DCM_DirectoryRecordSequence);
    ASSERT_TRUE(dicomdir.saveFile((junk / "DICOMDIR").c_str(), EXS_LittleEndianExplicit).good());
  }

  // A copy of the T2 series under a new Series Instance UID with the middle slice (Instance Number 11 of 22) left out.
  for (const auto & entry : fs::directory_iterator(SharedData / T2Series))
  {
    if (std::stoi(readAttribute(entry.path(), DCM_InstanceNumber)) == 11)
    {
      folder.removedSlice = entry.path().filename().string();
      continue;
    }
    copyWithAttributes(entry.path(), folder.root / "gap" / entry.path().filename(),
                       { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.1" } });
  }

  // One series of two image sizes: the three 512x512 CT slices and the three 23x38 CT slices under one study and
  // series UID. The same files again under one series UID but in their own two studies.
  const std::map<DcmTagKey, std::string> mixedSizes{ { DCM_StudyInstanceUID, "1.2.826.0.1.3680043.9.7433.2.1" },
                                                     { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.2" } };
  const std::map<DcmTagKey, std::string> twoStudies{ { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.6" } };
  for (const char * name : { "ct-3slice/01.dcm", "ct-3slice/02.dcm", "ct-3slice/03.dcm" })
  {
    copyWithAttributes(segExamples / name, folder.root / "sizes" / fs::path(name).filename(), mixedSizes);
    copyWithAttributes(segExamples / name, folder.root / "studies" / fs::path(name).filename(), twoStudies);
  }
  for (const char * name : { "IMG0001.dcm", "IMG0002.dcm", "IMG0003.dcm" })
  {
    copyWithAttributes(segExamples / "23x38x3/image" / name, folder.root / "sizes" / ("small-" + std::string(name)),
                       mixedSizes);
    copyWithAttributes(segExamples / "23x38x3/image" / name, folder.root / "studies" / ("small-" + std::string(name)),
                       twoStudies);
  }

  // The 32-slice crop with odd slices marked echo 1 and even slices echo 2: two stacks of 16 at 2 mm.
  for (int slice = 1; slice <= 32; ++slice)
  {
    const std::string name = std::to_string(slice) + ".dcm";
    copyWithAttributes(SharedData / CropSeries / name, folder.root / "echoes" / name,
                       { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.3" },
                         { DCM_EchoNumbers, slice % 2 == 1 ? "1" : "2" } });
  }

  // A series of one slice, and a series with the same slice twice.
  copyWithAttributes(segExamples / "ct-3slice/02.dcm", folder.root / "single/02.dcm",
                     { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.4" } });
  for (const char * name : { "IMG0001.dcm", "IMG0002.dcm", "IMG0003.dcm" })
  {
    copyWithAttributes(segExamples / "23x38x3/image" / name, folder.root / "duplicate" / name,
                       { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.5" } });
  }
  // A second instance (its own SOP Instance UID) at the position of IMG0002: an exact copy would be the
  // same instance and be listed as a duplicate file instead.
  copyWithAttributes(segExamples / "23x38x3/image/IMG0002.dcm", folder.root / "duplicate/IMG0002-copy.dcm",
                     { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.5" },
                       { DCM_SOPInstanceUID, "1.2.826.0.1.3680043.9.7433.1.5.99" } });

  // Ten crop slices shifted 0.2 mm in x per mm in z (a tilt of about 11 degrees), and three without orientation.
  for (int slice = 1; slice <= 10; ++slice)
  {
    const std::string name = std::to_string(slice) + ".dcm";
    const auto position = readVector3(SharedData / CropSeries / name, DCM_ImagePositionPatient);
    std::ostringstream tilted;
    tilted << position[0] + 0.2 * position[2] << "\\" << position[1] << "\\" << position[2];
    copyWithAttributes(SharedData / CropSeries / name, folder.root / "tilt" / name,
                       { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.7" },
                         { DCM_ImagePositionPatient, tilted.str() } });
  }
  for (int slice = 1; slice <= 3; ++slice)
  {
    const std::string name = std::to_string(slice) + ".dcm";
    copyWithAttributes(SharedData / CropSeries / name, folder.root / "no-orientation" / name,
                       { { DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7433.1.8" }, { DCM_ImageOrientationPatient, "" } });
  }
}

const ScannedFolder *
scannedFolder()
{
  static ScannedFolder folder;
  static bool built = false;
  if (!built)
  {
    built = true;
    buildFolder(folder);
    const auto start = std::chrono::steady_clock::now();
    folder.result = unetpp::scanDicomFolder(folder.root.string(), [](size_t, size_t) { folder.progressCalls += 1; });
    folder.scanSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "Scanned " << folder.result.filesExamined << " files in " << folder.scanSeconds << " s\n";
  }
  return &folder;
}

class DicomScanFolder : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    if (!fs::is_directory(SharedData / "mr-dicom-studies") || !fs::is_directory(SharedData / "ct-dicom-j2k") ||
        !fs::is_directory(SharedData / "dicom-seg-examples"))
    {
      GTEST_SKIP() << "real DICOM data not found in " << SharedData
                   << " (needs mr-dicom-studies, ct-dicom-j2k and dicom-seg-examples)";
    }
    m_Folder = scannedFolder();
  }

  /** The series that contains the file at `relative` under the test folder (or at an absolute path), or null. */
  const unetpp::DicomSeries *
  seriesOf(const fs::path & relative) const
  {
    const std::string path = (m_Folder->root / relative).string();
    for (const auto & series : m_Folder->result.series)
    {
      for (const auto & instance : series.instances)
      {
        if (instance.path == path)
        {
          return &series;
        }
      }
    }
    return nullptr;
  }

  std::string
  skipReasonOf(const fs::path & relative) const
  {
    const std::string path = (m_Folder->root / relative).string();
    for (const auto & skipped : m_Folder->result.skippedFiles)
    {
      if (skipped.path == path)
      {
        return skipped.reason;
      }
    }
    return "(not skipped)";
  }

  const ScannedFolder * m_Folder = nullptr;
};

/** Removes the test folder after all tests. */
class RemoveScannedFolder : public ::testing::Environment
{
public:
  void
  TearDown() override
  {
    const fs::path root = fs::temp_directory_path() / ("unetpp-dicom-scan-" + std::to_string(::getpid()));
    std::error_code error;
    fs::permissions(root / "junk/unreadable.dcm", fs::perms::owner_all, error);
    fs::remove_all(root, error);
    fs::remove_all(root.string() + "-raw", error);
  }
};

const auto * const RemoveFolderAtExit = ::testing::AddGlobalTestEnvironment(new RemoveScannedFolder);

size_t
countFiles(const fs::path & folder)
{
  return static_cast<size_t>(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

} // namespace

TEST(DicomScan, ListingCallbackEndsScan)
{
  // The root, a and a/b: three folders, each reported once to the listing callback, and two files.
  const fs::path root = fs::temp_directory_path() / ("unetpp-dicom-listing-" + std::to_string(::getpid()));
  fs::create_directories(root / "a" / "b");
  std::ofstream(root / "top.txt") << "not DICOM\n";
  std::ofstream(root / "a" / "b" / "inner.txt") << "not DICOM\n";

  std::vector<size_t> found;
  size_t examinedCalls = 0;
  const auto result = unetpp::scanDicomFolder(
    root.string(), [&](size_t, size_t) { ++examinedCalls; }, [&](size_t files) { found.push_back(files); });
  EXPECT_EQ(found.size(), 3U);
  EXPECT_EQ(result.filesExamined, 2U);
  EXPECT_EQ(examinedCalls, 2U);

  // An exception from the listing callback ends the scan before any file is examined.
  struct Stop
  {};
  examinedCalls = 0;
  EXPECT_THROW(unetpp::scanDicomFolder(
                 root.string(), [&](size_t, size_t) { ++examinedCalls; }, [](size_t) { throw Stop{}; }),
               Stop);
  EXPECT_EQ(examinedCalls, 0U);
  fs::remove_all(root);
}

TEST(DicomScan, MissingFolderIsRejected)
{
  EXPECT_THROW(unetpp::scanDicomFolder("/nonexistent/folder"), std::invalid_argument);
}

TEST_F(DicomScanFolder, EveryFileInOneSeriesOrSkipped)
{
  std::map<std::string, int> occurrences;
  for (const auto & file : regularFilesUnder(m_Folder->root))
  {
    occurrences[file.string()] = 0;
  }
  for (const auto & series : m_Folder->result.series)
  {
    for (const auto & instance : series.instances)
    {
      occurrences[instance.path] += 1;
    }
  }
  for (const auto & skipped : m_Folder->result.skippedFiles)
  {
    occurrences[skipped.path] += 1;
  }

  for (const auto & [path, count] : occurrences)
  {
    EXPECT_EQ(count, 1) << path;
  }
  EXPECT_EQ(m_Folder->result.filesExamined, regularFilesUnder(m_Folder->root).size());
  EXPECT_EQ(m_Folder->progressCalls, m_Folder->result.filesExamined);
  std::cout << "Scan of " << m_Folder->result.filesExamined << " files took " << m_Folder->scanSeconds << " s\n";
}

TEST_F(DicomScanFolder, SeriesCountMatchesFolderContents)
{
  // MR: 7 series (one per folder). CT: the JPEG 2000 series, ct-3slice, the 23x38 slices and the multi-frame CT.
  // SEG: liver, partial_overlaps, the two sparse label maps (one Series Instance UID) and label.seg.
  // Made by the test: gap 1, sizes 2 parts, studies 2 parts, echoes 2 parts, single 1, duplicate 1, tilt 1,
  // no-orientation 1.
  const size_t expected = 7 + 4 + 4 + 11;
  EXPECT_EQ(m_Folder->result.series.size(), expected);

  std::set<std::string> studies;
  for (const auto & series : m_Folder->result.series)
  {
    if (series.modality == "MR")
    {
      studies.insert(series.studyInstanceUid);
    }
  }
  EXPECT_EQ(studies.size(), 3U);
}

TEST_F(DicomScanFolder, SeriesKeysAreUnique)
{
  std::set<std::string> keys;
  for (const auto & series : m_Folder->result.series)
  {
    EXPECT_FALSE(series.key().empty());
    EXPECT_TRUE(keys.insert(series.key()).second) << series.key();
  }
}

TEST_F(DicomScanFolder, SeriesUidInTwoStudiesSplits)
{
  const auto * large = seriesOf("studies/01.dcm");
  const auto * small = seriesOf("studies/small-IMG0001.dcm");
  ASSERT_NE(large, nullptr);
  ASSERT_NE(small, nullptr);
  EXPECT_NE(large->studyInstanceUid, small->studyInstanceUid);
  EXPECT_EQ(large->seriesInstanceUid, small->seriesInstanceUid);
  EXPECT_NE(large->key(), small->key());
  EXPECT_EQ(large->partDescription, "study " + large->studyInstanceUid);
  EXPECT_TRUE(large->segmentable) << large->reason;
  EXPECT_TRUE(small->segmentable) << small->reason;
}

TEST_F(DicomScanFolder, MrFoldersAreOneSeriesEach)
{
  size_t folders = 0;
  for (const auto & study : fs::directory_iterator(m_Folder->root / "mr-dicom-studies"))
  {
    for (const auto & seriesFolder : fs::directory_iterator(study.path()))
    {
      folders += 1;
      std::set<std::string> expectedPaths;
      for (const auto & file : fs::directory_iterator(seriesFolder.path()))
      {
        expectedPaths.insert(file.path().string());
      }
      const auto * series = seriesOf(*expectedPaths.begin());
      ASSERT_NE(series, nullptr) << seriesFolder.path();
      std::set<std::string> paths;
      for (const auto & instance : series->instances)
      {
        paths.insert(instance.path);
      }
      EXPECT_EQ(paths, expectedPaths) << seriesFolder.path();
      EXPECT_EQ(series->instances.size(), countFiles(seriesFolder.path())) << seriesFolder.path();
      EXPECT_TRUE(series->segmentable) << seriesFolder.path() << ": " << series->reason;
      EXPECT_EQ(series->part, 0) << seriesFolder.path();
    }
  }
  EXPECT_EQ(folders, 7U);
}

TEST_F(DicomScanFolder, SlicesSortedAlongNormal)
{
  size_t checked = 0;
  for (const auto & series : m_Folder->result.series)
  {
    if (!series.segmentable || series.multiFrame)
    {
      continue;
    }
    const auto normal = readNormal(series.instances.front().path);
    double previous = -1e30;
    for (const auto & instance : series.instances)
    {
      const double along = dot(readVector3(instance.path, DCM_ImagePositionPatient), normal);
      EXPECT_GT(along, previous) << series.key() << ": " << instance.path;
      previous = along;
    }
    checked += 1;
  }
  EXPECT_GE(checked, 10U);
}

TEST_F(DicomScanFolder, SegObjectsAreNonImageSeries)
{
  for (const char * name :
       { "seg/liver.dcm", "seg/partial_overlaps.dcm", "seg/sparse-labelmap-noppv.dcm", "seg/23x38x3/seg/label.seg" })
  {
    const auto * series = seriesOf(name);
    ASSERT_NE(series, nullptr) << name;
    EXPECT_FALSE(series->segmentable) << name;
    EXPECT_NE(series->reason.find("Segmentation object"), std::string::npos) << name << ": " << series->reason;
    EXPECT_NE(series->reason.find("not an image"), std::string::npos) << name << ": " << series->reason;
  }

  // Both sparse label maps have the same SOP Instance UID (two encodings of one instance), so the second in
  // path order is listed as a duplicate of the first.
  EXPECT_EQ(seriesOf("seg/sparse-labelmap-ppv5.dcm"), nullptr);
  EXPECT_EQ(skipReasonOf("seg/sparse-labelmap-ppv5.dcm").rfind("duplicate of ", 0), 0U)
    << skipReasonOf("seg/sparse-labelmap-ppv5.dcm");
}

TEST_F(DicomScanFolder, SegmentedCtIsImageSeries)
{
  const auto * series = seriesOf("seg/ct-3slice/01.dcm");
  ASSERT_NE(series, nullptr);
  EXPECT_TRUE(series->segmentable) << series->reason;
  EXPECT_EQ(series->instances.size(), 3U);
  EXPECT_EQ(series->modality, "CT");
}

TEST_F(DicomScanFolder, FilesThatAreNotDicomAreSkipped)
{
  EXPECT_EQ(skipReasonOf("junk/empty.dcm"), "empty file");
  EXPECT_EQ(skipReasonOf("junk/notes.txt"), "not DICOM");
  EXPECT_EQ(skipReasonOf("junk/truncated.dcm").rfind("truncated DICOM", 0), 0U) << skipReasonOf("junk/truncated.dcm");
  EXPECT_EQ(skipReasonOf("junk/DICOMDIR"), "DICOMDIR (media directory, not an image)");
  EXPECT_EQ(skipReasonOf("seg/LICENSE.txt"), "not DICOM");
  EXPECT_EQ(skipReasonOf("seg/23x38x3/nrrd/label.nrrd"), "not DICOM");
  EXPECT_EQ(skipReasonOf("seg/23x38x3/screenshots/slicer.png"), "not DICOM");
  EXPECT_EQ(skipReasonOf("seg/23x38x3/screenshots/brainlab.jpg"), "not DICOM");
}

TEST_F(DicomScanFolder, UnreadableFileIsSkipped)
{
  if (::geteuid() == 0)
  {
    // root reads files regardless of their permissions, so the file is examined and is plain text.
    EXPECT_EQ(skipReasonOf("junk/unreadable.dcm"), "not DICOM");
    GTEST_SKIP() << "running as root, where file permissions do not apply";
  }
  EXPECT_EQ(skipReasonOf("junk/unreadable.dcm"), "permission denied");
}

TEST_F(DicomScanFolder, MissingSliceIsRejected)
{
  ASSERT_FALSE(m_Folder->removedSlice.empty());
  const auto * series = seriesOf(fs::path("gap") / (m_Folder->removedSlice == "000001.dcm" ? "000002.dcm" : "000001.dcm"));
  ASSERT_NE(series, nullptr);
  EXPECT_FALSE(series->segmentable);
  EXPECT_NE(series->reason.find("uneven slice spacing"), std::string::npos) << series->reason;
  EXPECT_EQ(series->instances.size(), countFiles(SharedData / T2Series) - 1);
  EXPECT_THROW(unetpp::readDicomSeriesVolume(*series), std::invalid_argument);
}

TEST_F(DicomScanFolder, TwoImageSizesSplitIntoParts)
{
  const auto * large = seriesOf("sizes/01.dcm");
  const auto * small = seriesOf("sizes/small-IMG0001.dcm");
  ASSERT_NE(large, nullptr);
  ASSERT_NE(small, nullptr);
  EXPECT_NE(large, small);
  EXPECT_EQ(large->seriesInstanceUid, small->seriesInstanceUid);
  EXPECT_NE(large->key(), small->key());
  EXPECT_GE(large->part, 1);
  EXPECT_GE(small->part, 1);
  EXPECT_EQ(large->partDescription, "512x512 pixels");
  EXPECT_EQ(small->partDescription, "23x38 pixels");
  EXPECT_EQ(large->instances.size(), 3U);
  EXPECT_EQ(small->instances.size(), 3U);
  EXPECT_TRUE(large->segmentable) << large->reason;
  EXPECT_TRUE(small->segmentable) << small->reason;
}

TEST_F(DicomScanFolder, TwoEchoesSplitIntoParts)
{
  const auto * odd = seriesOf("echoes/1.dcm");
  const auto * even = seriesOf("echoes/2.dcm");
  ASSERT_NE(odd, nullptr);
  ASSERT_NE(even, nullptr);
  EXPECT_NE(odd, even);
  EXPECT_EQ(odd->partDescription, "echo 1");
  EXPECT_EQ(even->partDescription, "echo 2");
  EXPECT_EQ(odd->instances.size(), 16U);
  EXPECT_EQ(even->instances.size(), 16U);
  // The crop has 1 mm slices, so every other slice is 2 mm apart.
  EXPECT_TRUE(odd->segmentable) << odd->reason;
  EXPECT_NEAR(odd->sliceSpacing, 2.0, GeometryTolerance);
}

TEST_F(DicomScanFolder, SingleSliceIsRejected)
{
  const auto * series = seriesOf("single/02.dcm");
  ASSERT_NE(series, nullptr);
  EXPECT_FALSE(series->segmentable);
  EXPECT_NE(series->reason.find("single slice"), std::string::npos) << series->reason;
}

TEST_F(DicomScanFolder, DuplicatePositionIsRejected)
{
  const auto * series = seriesOf("duplicate/IMG0002-copy.dcm");
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->instances.size(), 4U);
  EXPECT_FALSE(series->segmentable);
  EXPECT_NE(series->reason.find("same position"), std::string::npos) << series->reason;
}

TEST_F(DicomScanFolder, GantryTiltIsRejected)
{
  const auto * series = seriesOf("tilt/1.dcm");
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->instances.size(), 10U);
  EXPECT_FALSE(series->segmentable);
  EXPECT_NE(series->reason.find("not along the slice normal"), std::string::npos) << series->reason;
}

TEST_F(DicomScanFolder, MissingOrientationIsRejected)
{
  const auto * series = seriesOf("no-orientation/1.dcm");
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->instances.size(), 3U);
  EXPECT_FALSE(series->segmentable);
  EXPECT_NE(series->reason.find("Image Orientation (Patient)"), std::string::npos) << series->reason;
}

TEST_F(DicomScanFolder, SeriesNumberReadOrAbsent)
{
  // Four MR series have a Series Number; the three hippocampus crops leave it empty, which must not read as 0.
  size_t numbered = 0;
  size_t unnumbered = 0;
  for (const auto & study : fs::directory_iterator(m_Folder->root / "mr-dicom-studies"))
  {
    for (const auto & seriesFolder : fs::directory_iterator(study.path()))
    {
      const fs::path first = fs::directory_iterator(seriesFolder.path())->path();
      const auto * series = seriesOf(first.string());
      ASSERT_NE(series, nullptr) << first;
      const std::string stored = readAttribute(first, DCM_SeriesNumber);
      if (stored.empty())
      {
        ++unnumbered;
        EXPECT_FALSE(series->seriesNumber.has_value()) << first << " read as " << series->seriesNumber.value_or(-1);
      }
      else
      {
        ++numbered;
        ASSERT_TRUE(series->seriesNumber.has_value()) << first;
        EXPECT_EQ(*series->seriesNumber, std::stoi(stored)) << first;
      }
    }
  }
  EXPECT_EQ(numbered, 4U);
  EXPECT_EQ(unnumbered, 3U);
}

TEST_F(DicomScanFolder, MultiFrameCtMatchesItsSlices)
{
  // dcmqi's mf.dcm is the legacy converted enhanced CT of the three IMG000*.dcm slices beside it.
  const auto * multiFrame = seriesOf("seg/23x38x3/multiframe/mf.dcm");
  ASSERT_NE(multiFrame, nullptr);
  EXPECT_TRUE(multiFrame->multiFrame);
  ASSERT_TRUE(multiFrame->segmentable) << multiFrame->reason;
  EXPECT_EQ(multiFrame->instances.size(), 1U);
  const auto volume = unetpp::readDicomSeriesVolume(*multiFrame);

  using SliceImage = itk::Image<float, 3>;
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetDirectory((SharedData / "dicom-seg-examples/23x38x3/image").string());
  auto reader = itk::ImageSeriesReader<SliceImage>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(names->GetInputFileNames());
  reader->Update();
  const SliceImage * slices = reader->GetOutput();

  const auto size = volume.image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size, slices->GetLargestPossibleRegion().GetSize());
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    EXPECT_NEAR(volume.image->GetOrigin()[axis], slices->GetOrigin()[axis], GeometryTolerance) << axis;
    EXPECT_NEAR(volume.image->GetSpacing()[axis], slices->GetSpacing()[axis], GeometryTolerance) << axis;
    for (unsigned column = 0; column < 3; ++column)
    {
      EXPECT_NEAR(volume.image->GetDirection()[axis][column], slices->GetDirection()[axis][column], GeometryTolerance);
    }
  }
  const size_t voxels = size[0] * size[1] * size[2];
  size_t differences = 0;
  for (size_t index = 0; index < voxels; ++index)
  {
    differences += volume.image->GetBufferPointer()[index] != slices->GetBufferPointer()[index] ? 1 : 0;
  }
  EXPECT_EQ(differences, 0U);
}

TEST_F(DicomScanFolder, Jpeg2000CtMatchesNiftiGeometry)
{
  const auto * series = seriesOf(fs::path("ct-j2k") / fs::directory_iterator(SharedData / "ct-dicom-j2k/series")->path().filename());
  ASSERT_NE(series, nullptr);
  ASSERT_TRUE(series->segmentable) << series->reason;
  EXPECT_TRUE(series->seriesInstanceUidDerived);
  EXPECT_FALSE(series->seriesInstanceUid.empty());
  EXPECT_EQ(series->instances.size(), countFiles(SharedData / "ct-dicom-j2k/series"));
  const auto volume = unetpp::readDicomSeriesVolume(*series);

  using LabelImage = itk::Image<short, 3>;
  auto labelReader = itk::ImageFileReader<LabelImage>::New();
  labelReader->SetFileName((SharedData / "ct-dicom-j2k/example_seg_dicom.nii.gz").string());
  labelReader->Update();
  const LabelImage * labels = labelReader->GetOutput();

  const auto size = volume.image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 512U);
  EXPECT_EQ(size[1], 512U);
  EXPECT_EQ(size[2], 20U);
  EXPECT_EQ(size, labels->GetLargestPossibleRegion().GetSize());

  // The NIfTI stores the rows bottom-up (as dcm2niix writes them): its y direction is reversed and its origin is the
  // centre of the last DICOM row. Its first voxel of that row, and its direction with the y column negated, are what
  // the DICOM series must give.
  ASSERT_NEAR(labels->GetDirection()[1][1], -1.0, GeometryTolerance);
  LabelImage::IndexType firstRow{ { 0, static_cast<itk::IndexValueType>(size[1]) - 1, 0 } };
  LabelImage::PointType expectedOrigin;
  labels->TransformIndexToPhysicalPoint(firstRow, expectedOrigin);
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    EXPECT_NEAR(volume.image->GetOrigin()[axis], expectedOrigin[axis], GeometryTolerance) << axis;
    EXPECT_NEAR(volume.image->GetSpacing()[axis], labels->GetSpacing()[axis], GeometryTolerance) << axis;
    EXPECT_NEAR(volume.spacing[axis], labels->GetSpacing()[axis], GeometryTolerance) << axis;
    for (unsigned column = 0; column < 3; ++column)
    {
      const double sign = column == 1 ? -1.0 : 1.0;
      EXPECT_NEAR(volume.image->GetDirection()[axis][column], sign * labels->GetDirection()[axis][column],
                  GeometryTolerance)
        << axis << ", " << column;
    }
  }
  EXPECT_EQ(volume.tensor.sizes(), (std::vector<int64_t>{ 1, 20, 512, 512 }));

  // With the grids matched, the labelled organs lie in soft tissue (about -100 to 100 HU), not in air (-1000 HU).
  double labelledSum = 0.0;
  size_t labelledCount = 0;
  for (size_t z = 0; z < size[2]; ++z)
  {
    for (size_t y = 0; y < size[1]; ++y)
    {
      for (size_t x = 0; x < size[0]; ++x)
      {
        const LabelImage::IndexType index{ { static_cast<itk::IndexValueType>(x),
                                             static_cast<itk::IndexValueType>(size[1] - 1 - y),
                                             static_cast<itk::IndexValueType>(z) } };
        if (labels->GetPixel(index) > 0)
        {
          labelledSum += volume.image->GetBufferPointer()[(z * size[1] + y) * size[0] + x];
          labelledCount += 1;
        }
      }
    }
  }
  ASSERT_GT(labelledCount, 0U);
  EXPECT_GT(labelledSum / static_cast<double>(labelledCount), -200.0);
}

// Decodes each file with GDCM's command-line converter (gdcmconv --raw, outside ITK) and reads the raw pixels and the
// rescale attributes with DCMTK. Each file is placed by its Image Position (Patient) on the grid of the NIfTI label
// map, and every voxel is compared with the volume that readDicomSeriesVolume returns.
TEST_F(DicomScanFolder, Jpeg2000CtMatchesIndependentDecoder)
{
  if (std::system("gdcmconv --version > /dev/null 2>&1") != 0)
  {
    GTEST_SKIP() << "gdcmconv (Debian package libgdcm-tools) is not installed";
  }
  const auto * series = seriesOf(fs::path("ct-j2k") / fs::directory_iterator(SharedData / "ct-dicom-j2k/series")->path().filename());
  ASSERT_NE(series, nullptr);
  ASSERT_TRUE(series->segmentable) << series->reason;
  const auto volume = unetpp::readDicomSeriesVolume(*series);
  const float * voxels = volume.image->GetBufferPointer();

  using LabelImage = itk::Image<short, 3>;
  auto labelReader = itk::ImageFileReader<LabelImage>::New();
  labelReader->SetFileName((SharedData / "ct-dicom-j2k/example_seg_dicom.nii.gz").string());
  labelReader->UpdateOutputInformation();
  const LabelImage * grid = labelReader->GetOutput();
  const std::array<double, 3> normal{ grid->GetDirection()[0][2], grid->GetDirection()[1][2], grid->GetDirection()[2][2] };

  const fs::path rawFolder = m_Folder->root.parent_path() / (m_Folder->root.filename().string() + "-raw");
  fs::create_directories(rawFolder);
  std::set<long> slicesSeen;
  for (const auto & entry : fs::directory_iterator(SharedData / "ct-dicom-j2k/series"))
  {
    // gdcmconv refuses to write a file without SOP Class UID, so a copy with one is converted.
    const fs::path labelled = rawFolder / ("ct-" + entry.path().filename().string());
    copyWithAttributes(entry.path(), labelled, { { DCM_SOPClassUID, UID_CTImageStorage } });
    const fs::path raw = rawFolder / entry.path().filename();
    const std::string command = "gdcmconv --raw '" + labelled.string() + "' '" + raw.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(raw.c_str()).good()) << raw;
    DcmDataset * dataset = file.getDataset();
    const Uint16 * pixels = nullptr;
    unsigned long count = 0;
    ASSERT_TRUE(dataset->findAndGetUint16Array(DCM_PixelData, pixels, &count).good()) << raw;
    ASSERT_EQ(count, 512UL * 512UL);
    Uint16 pixelRepresentation = 0;
    dataset->findAndGetUint16(DCM_PixelRepresentation, pixelRepresentation);
    Float64 slope = 1.0;
    Float64 intercept = 0.0;
    dataset->findAndGetFloat64(DCM_RescaleSlope, slope);
    dataset->findAndGetFloat64(DCM_RescaleIntercept, intercept);

    const auto position = readVector3(raw, DCM_ImagePositionPatient);
    std::array<double, 3> offset{};
    for (unsigned axis = 0; axis < 3; ++axis)
    {
      offset[axis] = position[axis] - grid->GetOrigin()[axis];
    }
    const long slice = std::lround(dot(offset, normal) / grid->GetSpacing()[2]);
    ASSERT_GE(slice, 0) << entry.path();
    ASSERT_LT(slice, 20) << entry.path();
    slicesSeen.insert(slice);

    size_t differences = 0;
    for (size_t index = 0; index < count; ++index)
    {
      const double stored = pixelRepresentation == 1 ? static_cast<double>(static_cast<Sint16>(pixels[index]))
                                                     : static_cast<double>(pixels[index]);
      const double expected = stored * slope + intercept;
      differences += std::abs(voxels[static_cast<size_t>(slice) * count + index] - expected) > 1e-3 ? 1 : 0;
    }
    EXPECT_EQ(differences, 0U) << entry.path() << " (slice " << slice << ")";
  }
  EXPECT_EQ(slicesSeen.size(), 20U);
  fs::remove_all(rawFolder);
}

TEST_F(DicomScanFolder, HippocampusCropMatchesItkSeriesReader)
{
  const auto * series = seriesOf(CropSeries / "1.dcm");
  ASSERT_NE(series, nullptr);
  const auto volume = unetpp::readDicomSeriesVolume(*series);

  using SliceImage = itk::Image<float, 3>;
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetDirectory((SharedData / CropSeries).string());
  auto reader = itk::ImageSeriesReader<SliceImage>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(names->GetInputFileNames());
  reader->Update();
  const SliceImage * expected = reader->GetOutput();

  const auto size = volume.image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size, expected->GetLargestPossibleRegion().GetSize());
  EXPECT_EQ(size[2], countFiles(SharedData / CropSeries));
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    EXPECT_NEAR(volume.image->GetOrigin()[axis], expected->GetOrigin()[axis], GeometryTolerance) << axis;
    EXPECT_NEAR(volume.image->GetSpacing()[axis], expected->GetSpacing()[axis], GeometryTolerance) << axis;
    for (unsigned column = 0; column < 3; ++column)
    {
      EXPECT_NEAR(volume.image->GetDirection()[axis][column], expected->GetDirection()[axis][column], GeometryTolerance);
    }
  }
  const size_t voxels = size[0] * size[1] * size[2];
  size_t differences = 0;
  for (size_t index = 0; index < voxels; ++index)
  {
    differences += volume.image->GetBufferPointer()[index] != expected->GetBufferPointer()[index] ? 1 : 0;
  }
  EXPECT_EQ(differences, 0U);
  EXPECT_EQ(volume.tensor.size(0), 1);
  EXPECT_EQ(volume.fileDimension, 3U);
}

TEST_F(DicomScanFolder, NonImageSeriesCannotBeRead)
{
  const auto * series = seriesOf("seg/liver.dcm");
  ASSERT_NE(series, nullptr);
  EXPECT_THROW(unetpp::readDicomSeriesVolume(*series), std::invalid_argument);
}

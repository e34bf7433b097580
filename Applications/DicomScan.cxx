#include "DicomScan.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <itkGDCMImageIO.h>
#include <itkImageFileReader.h>
#include <itkImageSeriesReader.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace unetpp
{

std::string
DicomSeries::key() const
{
  return part == 0 ? seriesInstanceUid : seriesInstanceUid + "-part" + std::to_string(part);
}

namespace
{

namespace fs = std::filesystem;
using Vector3 = std::array<double, 3>;
using Orientation = std::array<double, 6>;

/** Values longer than this many bytes (pixel data above all) stay on disk while a file is examined. */
constexpr Uint32 MaxLoadedValueLength = 4096;

/** Slices closer than this along the normal, in mm, are at the same position. */
constexpr double PositionTolerance = 0.01;

/** Largest difference between a slice step and the median step, relative to the median, that counts as even. */
constexpr double SpacingTolerance = 0.02;

/** Largest offset across the normal per mm along it (about 0.6 degrees of gantry tilt) that counts as a straight stack. */
constexpr double TiltTolerance = 0.01;

/** Direction cosines that differ by less than this belong to the same orientation. */
constexpr double OrientationTolerance = 1e-3;

// ---------------------------------------------------------------------------------------------------------------
// Vector helpers

double
dot(const Vector3 & a, const Vector3 & b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

Vector3
sliceNormal(const Orientation & orientation)
{
  const Vector3 row{ orientation[0], orientation[1], orientation[2] };
  const Vector3 column{ orientation[3], orientation[4], orientation[5] };
  Vector3 normal{ row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2],
                  row[0] * column[1] - row[1] * column[0] };
  const double length = std::sqrt(dot(normal, normal));
  if (length > 0.0)
  {
    for (double & component : normal)
    {
      component /= length;
    }
  }
  return normal;
}

bool
sameOrientation(const Orientation & a, const Orientation & b)
{
  for (size_t index = 0; index < a.size(); ++index)
  {
    if (std::abs(a[index] - b[index]) > OrientationTolerance)
    {
      return false;
    }
  }
  return true;
}

std::string
formatMillimetres(double value)
{
  std::ostringstream text;
  text.precision(4);
  text << value << " mm";
  return text.str();
}

// ---------------------------------------------------------------------------------------------------------------
// SOP classes that are not images

struct NonImageClass
{
  const char * uid; ///< a full SOP Class UID, or a UID root ending in '.' that covers a family
  const char * name;
};

/** Checked before DCMTK's list of image storage classes, because some of these objects carry pixel data (SEG, RT Dose). */
constexpr NonImageClass NonImageClasses[] = {
  { "1.2.840.10008.5.1.4.1.1.66.4", "DICOM Segmentation object" },
  { "1.2.840.10008.5.1.4.1.1.66.7", "DICOM label map Segmentation object" },
  { "1.2.840.10008.5.1.4.1.1.66.5", "DICOM Surface Segmentation object" },
  { "1.2.840.10008.5.1.4.1.1.66.1", "DICOM Spatial Registration object" },
  { "1.2.840.10008.5.1.4.1.1.66.2", "DICOM Spatial Fiducials object" },
  { "1.2.840.10008.5.1.4.1.1.66.3", "DICOM Deformable Spatial Registration object" },
  { "1.2.840.10008.5.1.4.1.1.66", "DICOM Raw Data object" },
  { "1.2.840.10008.5.1.4.1.1.67", "DICOM Real World Value Mapping object" },
  { "1.2.840.10008.5.1.4.1.1.88.59", "DICOM Key Object Selection document" },
  { "1.2.840.10008.5.1.4.1.1.88.", "DICOM Structured Report" },
  { "1.2.840.10008.5.1.4.1.1.11.", "DICOM Presentation State" },
  { "1.2.840.10008.5.1.4.1.1.481.2", "DICOM RT Dose object" },
  { "1.2.840.10008.5.1.4.1.1.481.3", "DICOM RT Structure Set" },
  { "1.2.840.10008.5.1.4.1.1.481.5", "DICOM RT Plan" },
  { "1.2.840.10008.5.1.4.1.1.481.8", "DICOM RT Ion Plan" },
  { "1.2.840.10008.5.1.4.1.1.481.", "DICOM radiotherapy object" },
  { "1.2.840.10008.5.1.4.1.1.104.", "DICOM encapsulated document" },
  { "1.2.840.10008.5.1.4.1.1.9.", "DICOM waveform" },
  { "1.2.840.10008.5.1.4.1.1.68.", "DICOM surface object" },
};

/** Name of a SOP class that is not an image, or an empty string for image classes and unknown classes. */
std::string
nonImageClassName(const std::string & sopClassUid)
{
  for (const auto & entry : NonImageClasses)
  {
    const std::string uid = entry.uid;
    const bool matches = uid.back() == '.' ? sopClassUid.rfind(uid, 0) == 0 : sopClassUid == uid;
    if (matches)
    {
      return entry.name;
    }
  }
  if (!sopClassUid.empty() && dcmIsaStorageSOPClassUID(sopClassUid.c_str(), ESSC_All) &&
      !dcmIsImageStorageSOPClassUID(sopClassUid.c_str()))
  {
    return std::string("DICOM ") + dcmFindNameOfUID(sopClassUid.c_str(), sopClassUid.c_str()) + " object";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------------------------
// Walking the folder

/** Silences DCMTK's parser messages while files of unknown content are examined, and restores the level after. */
class QuietDcmtkParser
{
public:
  QuietDcmtkParser()
    : m_Previous(DCM_dcmdataLogger.getLogLevel())
  {
    DCM_dcmdataLogger.setLogLevel(OFLogger::OFF_LOG_LEVEL);
  }
  ~QuietDcmtkParser() { DCM_dcmdataLogger.setLogLevel(m_Previous); }
  QuietDcmtkParser(const QuietDcmtkParser &) = delete;
  QuietDcmtkParser & operator=(const QuietDcmtkParser &) = delete;

private:
  dcmtk::log4cplus::LogLevel m_Previous;
};

/**
 * Adds the regular files under `folder` to `files`, recursively. Symbolic links to files are followed. Symbolic links
 * to folders are not, so that a link cycle cannot make the walk endless. Entries that cannot be read go to `skipped`.
 * `listing`, when set, is called as each folder is entered, with the number of files found so far.
 */
void
collectFiles(const fs::path & folder, std::vector<fs::path> & files, std::vector<SkippedFile> & skipped,
             const std::function<void(size_t)> & listing)
{
  if (listing)
  {
    listing(files.size());
  }
  std::error_code error;
  fs::directory_iterator entries(folder, error);
  if (error)
  {
    skipped.push_back({ folder.string(), "folder cannot be read: " + error.message() });
    return;
  }

  std::vector<fs::path> children;
  for (; entries != fs::directory_iterator(); entries.increment(error))
  {
    if (error)
    {
      skipped.push_back({ folder.string(), "folder listing stopped early: " + error.message() });
      break;
    }
    children.push_back(entries->path());
  }
  std::sort(children.begin(), children.end());

  for (const auto & child : children)
  {
    const auto linkStatus = fs::symlink_status(child, error);
    const auto targetStatus = fs::status(child, error);
    if (fs::is_symlink(linkStatus) && !fs::exists(targetStatus))
    {
      skipped.push_back({ child.string(), "broken symbolic link" });
    }
    else if (fs::is_directory(linkStatus))
    {
      collectFiles(child, files, skipped, listing);
    }
    else if (fs::is_directory(targetStatus))
    {
      skipped.push_back({ child.string(), "symbolic link to a folder, not followed" });
    }
    else if (fs::is_regular_file(targetStatus))
    {
      files.push_back(child);
    }
    else
    {
      skipped.push_back({ child.string(), "not a regular file" });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Examining one file

/** Result of examining one file: a DICOM instance, or the reason the file is skipped. */
struct ExaminedFile
{
  DicomInstance instance;
  std::string skipReason;     ///< not empty when the file is not part of any series
  std::string nonImageName;   ///< not empty for objects that are not images (SEG, SR, RT Structure Set...)
  bool frameOrientationsDiffer = false;
};

/** Whether the first bytes of a file without preamble start a DICOM dataset: a group 0000, 0002, 0004 or 0008 tag. */
bool
startsLikeDataset(const unsigned char * bytes, size_t count)
{
  constexpr size_t SmallestElement = 8;
  if (count < SmallestElement)
  {
    return false;
  }
  const unsigned littleEndianGroup = bytes[0] | (bytes[1] << 8U);
  const unsigned bigEndianGroup = (bytes[0] << 8U) | bytes[1];
  for (const unsigned group : { 0x0000U, 0x0002U, 0x0004U, 0x0008U })
  {
    if (littleEndianGroup == group || bigEndianGroup == group)
    {
      return true;
    }
  }
  return false;
}

std::string
readString(DcmItem & item, const DcmTagKey & tag)
{
  OFString value;
  if (item.findAndGetOFStringArray(tag, value).bad())
  {
    return "";
  }
  std::string text = value.c_str();
  const auto last = text.find_last_not_of(" \0", std::string::npos, 2);
  return last == std::string::npos ? "" : text.substr(0, last + 1);
}

int
readInteger(DcmItem & item, const DcmTagKey & tag, int fallback)
{
  Sint32 value = 0;
  if (item.findAndGetSint32(tag, value).good())
  {
    return static_cast<int>(value);
  }
  Uint16 shortValue = 0;
  if (item.findAndGetUint16(tag, shortValue).good())
  {
    return static_cast<int>(shortValue);
  }
  return fallback;
}

template <size_t Count>
std::optional<std::array<double, Count>>
readNumbers(DcmItem & item, const DcmTagKey & tag)
{
  std::array<double, Count> values{};
  for (size_t index = 0; index < Count; ++index)
  {
    Float64 value = 0.0;
    if (item.findAndGetFloat64(tag, value, static_cast<unsigned long>(index)).bad() || !std::isfinite(value))
    {
      return std::nullopt;
    }
    values[index] = value;
  }
  return values;
}

/** The functional group macro `macro` of frame `frame`: from the per-frame groups, else from the shared groups. */
DcmItem *
findFunctionalGroup(DcmItem & dataset, long frame, const DcmTagKey & macro)
{
  DcmItem * frameGroups = nullptr;
  DcmItem * found = nullptr;
  if (dataset.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frameGroups, frame).good() &&
      frameGroups->findAndGetSequenceItem(macro, found, 0).good())
  {
    return found;
  }
  DcmItem * sharedGroups = nullptr;
  if (dataset.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, sharedGroups, 0).good() &&
      sharedGroups->findAndGetSequenceItem(macro, found, 0).good())
  {
    return found;
  }
  return nullptr;
}

/** Fills the geometry of a multi-frame image (enhanced CT, MR...) from its functional groups. */
void
readFrameGeometry(DcmItem & dataset, ExaminedFile & examined)
{
  DicomInstance & instance = examined.instance;
  std::optional<Orientation> firstOrientation;
  for (long frame = 0; frame < instance.numberOfFrames; ++frame)
  {
    DcmItem * position = findFunctionalGroup(dataset, frame, DCM_PlanePositionSequence);
    const auto framePosition = position ? readNumbers<3>(*position, DCM_ImagePositionPatient) : std::nullopt;
    DcmItem * orientation = findFunctionalGroup(dataset, frame, DCM_PlaneOrientationSequence);
    const auto frameOrientation = orientation ? readNumbers<6>(*orientation, DCM_ImageOrientationPatient) : std::nullopt;
    if (!framePosition || !frameOrientation)
    {
      instance.framePositions.clear();
      break;
    }
    if (!firstOrientation)
    {
      firstOrientation = frameOrientation;
    }
    else if (!sameOrientation(*firstOrientation, *frameOrientation))
    {
      examined.frameOrientationsDiffer = true;
    }
    instance.framePositions.push_back(*framePosition);
  }

  if (!instance.imagePosition && !instance.framePositions.empty())
  {
    instance.imagePosition = instance.framePositions.front();
  }
  if (!instance.imageOrientation)
  {
    instance.imageOrientation = firstOrientation;
  }
  if (!instance.pixelSpacing)
  {
    if (DcmItem * measures = findFunctionalGroup(dataset, 0, DCM_PixelMeasuresSequence))
    {
      instance.pixelSpacing = readNumbers<2>(*measures, DCM_PixelSpacing);
    }
  }
}

void
readAttributes(DcmFileFormat & file, ExaminedFile & examined)
{
  DcmDataset & dataset = *file.getDataset();
  DicomInstance & instance = examined.instance;
  instance.sopClassUid = readString(dataset, DCM_SOPClassUID);
  if (instance.sopClassUid.empty())
  {
    instance.sopClassUid = readString(*file.getMetaInfo(), DCM_MediaStorageSOPClassUID);
  }
  instance.sopInstanceUid = readString(dataset, DCM_SOPInstanceUID);
  instance.studyInstanceUid = readString(dataset, DCM_StudyInstanceUID);
  instance.seriesInstanceUid = readString(dataset, DCM_SeriesInstanceUID);
  instance.frameOfReferenceUid = readString(dataset, DCM_FrameOfReferenceUID);
  instance.modality = readString(dataset, DCM_Modality);
  instance.seriesDescription = readString(dataset, DCM_SeriesDescription);
  instance.transferSyntaxUid = readString(*file.getMetaInfo(), DCM_TransferSyntaxUID);
  if (instance.transferSyntaxUid.empty())
  {
    instance.transferSyntaxUid = DcmXfer(dataset.getOriginalXfer()).getXferID();
  }
  if (const int number = readInteger(dataset, DCM_SeriesNumber, -1); number >= 0)
  {
    instance.seriesNumber = number;
  }
  instance.instanceNumber = readInteger(dataset, DCM_InstanceNumber, 0);
  instance.acquisitionNumber = readInteger(dataset, DCM_AcquisitionNumber, 0);
  instance.echoNumbers = readString(dataset, DCM_EchoNumbers);
  instance.rows = readInteger(dataset, DCM_Rows, 0);
  instance.columns = readInteger(dataset, DCM_Columns, 0);
  instance.numberOfFrames = std::max(1, readInteger(dataset, DCM_NumberOfFrames, 1));
  instance.imagePosition = readNumbers<3>(dataset, DCM_ImagePositionPatient);
  instance.imageOrientation = readNumbers<6>(dataset, DCM_ImageOrientationPatient);
  instance.pixelSpacing = readNumbers<2>(dataset, DCM_PixelSpacing);
  instance.hasPixelData = dataset.tagExists(DCM_PixelData) || dataset.tagExists(DCM_FloatPixelData) ||
                          dataset.tagExists(DCM_DoubleFloatPixelData);

  if (dataset.tagExists(DCM_PerFrameFunctionalGroupsSequence) || dataset.tagExists(DCM_SharedFunctionalGroupsSequence))
  {
    readFrameGeometry(dataset, examined);
  }
}

bool
isTruncation(const OFCondition & condition)
{
  return condition == EC_StreamNotifyClient || condition == EC_EndOfStream || condition == EC_InvalidStream ||
         condition == EC_ItemEnd || condition == EC_PrematureSequDelimitationItem;
}

ExaminedFile
examineFile(const fs::path & path)
{
  ExaminedFile examined;
  examined.instance.path = path.string();

  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error)
  {
    examined.skipReason = "size cannot be read: " + error.message();
    return examined;
  }
  if (size == 0)
  {
    examined.skipReason = "empty file";
    return examined;
  }

  constexpr size_t PreambleLength = 128;
  std::array<unsigned char, PreambleLength + 4> head{};
  std::FILE * stream = std::fopen(examined.instance.path.c_str(), "rb");
  if (stream == nullptr)
  {
    examined.skipReason = errno == EACCES ? "permission denied" : std::string("cannot be opened: ") + std::strerror(errno);
    return examined;
  }
  const size_t headLength = std::fread(head.data(), 1, head.size(), stream);
  std::fclose(stream);
  const bool hasPreamble = headLength == head.size() && std::memcmp(head.data() + PreambleLength, "DICM", 4) == 0;
  if (!hasPreamble && !startsLikeDataset(head.data(), headLength))
  {
    examined.skipReason = "not DICOM";
    return examined;
  }

  DcmFileFormat file;
  const OFCondition status =
    file.loadFile(examined.instance.path.c_str(), EXS_Unknown, EGL_noChange, MaxLoadedValueLength, ERM_autoDetect);
  if (status.bad())
  {
    if (!hasPreamble)
    {
      examined.skipReason = std::string("not DICOM (no \"DICM\" preamble, and the content does not parse as a dataset: ") +
                            status.text() + ")";
    }
    else
    {
      examined.skipReason = std::string(isTruncation(status) ? "truncated DICOM: " : "unreadable DICOM: ") + status.text();
    }
    return examined;
  }

  DcmDataset & dataset = *file.getDataset();
  const std::string mediaClass = readString(*file.getMetaInfo(), DCM_MediaStorageSOPClassUID);
  if (mediaClass == UID_MediaStorageDirectoryStorage || dataset.tagExists(DCM_DirectoryRecordSequence))
  {
    examined.skipReason = "DICOMDIR (media directory, not an image)";
    return examined;
  }

  readAttributes(file, examined);
  const DicomInstance & instance = examined.instance;
  if (!hasPreamble && instance.sopClassUid.empty() && instance.sopInstanceUid.empty() &&
      instance.seriesInstanceUid.empty() && !instance.hasPixelData)
  {
    examined.skipReason = "not DICOM (no \"DICM\" preamble, and the dataset has no SOP, series or pixel data attributes)";
    return examined;
  }

  examined.nonImageName = nonImageClassName(instance.sopClassUid);
  if (examined.nonImageName.empty() && !instance.hasPixelData)
  {
    if (dcmIsImageStorageSOPClassUID(instance.sopClassUid.c_str()))
    {
      examined.skipReason = "no pixel data";
      return examined;
    }
    examined.nonImageName = instance.sopClassUid.empty() ? "DICOM object without pixel data and without SOP Class UID"
                                                         : std::string("DICOM object without pixel data (") +
                                                             dcmFindNameOfUID(instance.sopClassUid.c_str(),
                                                                              instance.sopClassUid.c_str()) +
                                                             ")";
  }
  return examined;
}

// ---------------------------------------------------------------------------------------------------------------
// Slice order and stack checks

struct StackCheck
{
  std::vector<size_t> order; ///< indices of the slices in sorted order along the normal
  double spacing = 0.0;
  std::string reason; ///< empty when the slices form a regular volume
};

/**
 * Sorts slices along the normal and checks that they stack into a regular volume without resampling. The checks: at
 * least two slices, no two at one position, and every position on the line along the normal through the first (no
 * gantry tilt). Each step must also be within SpacingTolerance of the median step, since a larger step means a missing
 * slice.
 */
StackCheck
checkStack(const std::vector<Vector3> & positions, const Orientation & orientation, const std::vector<std::string> & labels)
{
  StackCheck check;
  const Vector3 normal = sliceNormal(orientation);
  std::vector<double> distances;
  for (const auto & position : positions)
  {
    distances.push_back(dot(position, normal));
  }
  check.order.resize(positions.size());
  for (size_t index = 0; index < positions.size(); ++index)
  {
    check.order[index] = index;
  }
  std::stable_sort(check.order.begin(), check.order.end(),
                   [&distances](size_t a, size_t b) { return distances[a] < distances[b]; });

  if (positions.size() < 2)
  {
    check.reason = "a single slice; a volume needs at least two";
    return check;
  }

  std::vector<double> steps;
  for (size_t index = 1; index < check.order.size(); ++index)
  {
    const size_t previous = check.order[index - 1];
    const size_t current = check.order[index];
    const double step = distances[current] - distances[previous];
    if (step < PositionTolerance)
    {
      check.reason = "two slices at the same position (" + labels[previous] + " and " + labels[current] +
                     "): a duplicate file or two acquisitions in one series";
      return check;
    }
    steps.push_back(step);
  }

  const Vector3 & first = positions[check.order.front()];
  for (size_t index : check.order)
  {
    Vector3 offset{};
    for (size_t axis = 0; axis < 3; ++axis)
    {
      offset[axis] = positions[index][axis] - first[axis];
    }
    const double along = dot(offset, normal);
    Vector3 across{};
    for (size_t axis = 0; axis < 3; ++axis)
    {
      across[axis] = offset[axis] - along * normal[axis];
    }
    const double acrossLength = std::sqrt(dot(across, across));
    if (acrossLength > TiltTolerance * std::abs(along) + PositionTolerance)
    {
      check.reason = "slice positions are not along the slice normal (gantry tilt or a sheared stack: " + labels[index] +
                     " lies " + formatMillimetres(acrossLength) +
                     " off the normal through the first slice); it cannot be read as a volume without resampling";
      return check;
    }
  }

  std::vector<double> sortedSteps = steps;
  std::nth_element(sortedSteps.begin(), sortedSteps.begin() + sortedSteps.size() / 2, sortedSteps.end());
  const double median = sortedSteps[sortedSteps.size() / 2];
  for (size_t index = 0; index < steps.size(); ++index)
  {
    if (std::abs(steps[index] - median) > SpacingTolerance * median + PositionTolerance)
    {
      check.reason = "uneven slice spacing: " + formatMillimetres(steps[index]) + " between " +
                     labels[check.order[index]] + " and " + labels[check.order[index + 1]] + " where the median is " +
                     formatMillimetres(median) + " (a missing slice?)";
      return check;
    }
  }

  check.spacing = (distances[check.order.back()] - distances[check.order.front()]) / static_cast<double>(steps.size());
  return check;
}

void
arrangeSingleFrameSeries(DicomSeries & series)
{
  size_t withoutPosition = 0;
  size_t withoutOrientation = 0;
  for (const auto & instance : series.instances)
  {
    withoutPosition += instance.imagePosition ? 0 : 1;
    withoutOrientation += instance.imageOrientation ? 0 : 1;
  }
  if (withoutPosition > 0 || withoutOrientation > 0)
  {
    const std::string missing = withoutPosition > 0 ? "Image Position (Patient)" : "Image Orientation (Patient)";
    const size_t count = std::max(withoutPosition, withoutOrientation);
    series.reason = std::to_string(count) + " of " + std::to_string(series.instances.size()) + " files have no " +
                    missing + ", so the slices cannot be placed in space";
    return;
  }

  std::vector<Vector3> positions;
  std::vector<std::string> labels;
  for (const auto & instance : series.instances)
  {
    positions.push_back(*instance.imagePosition);
    labels.push_back(fs::path(instance.path).filename().string());
  }
  const StackCheck check = checkStack(positions, *series.instances.front().imageOrientation, labels);

  std::vector<DicomInstance> sorted;
  for (size_t index : check.order)
  {
    sorted.push_back(series.instances[index]);
  }
  series.instances = std::move(sorted);
  series.reason = check.reason;
  series.sliceSpacing = check.spacing;
  series.segmentable = check.reason.empty();
}

void
arrangeMultiFrameSeries(DicomSeries & series, bool frameOrientationsDiffer)
{
  const DicomInstance & instance = series.instances.front();
  if (frameOrientationsDiffer)
  {
    series.reason = "the frames have several orientations, so they do not stack into one volume";
    return;
  }
  if (instance.framePositions.empty() || !instance.imageOrientation)
  {
    series.reason = "multi-frame image without Plane Position and Plane Orientation functional groups for every frame, "
                    "so the frames cannot be placed in space";
    return;
  }

  std::vector<std::string> labels;
  for (size_t frame = 0; frame < instance.framePositions.size(); ++frame)
  {
    labels.push_back("frame " + std::to_string(frame + 1));
  }
  const StackCheck check = checkStack(instance.framePositions, *instance.imageOrientation, labels);
  series.frameOrder = check.order;
  series.reason = check.reason;
  series.sliceSpacing = check.spacing;
  series.segmentable = check.reason.empty();
}

// ---------------------------------------------------------------------------------------------------------------
// Grouping into series and parts

/** Files of one series that stack together, before they become a DicomSeries. */
struct PartFiles
{
  std::vector<const ExaminedFile *> files;
  std::string description;
};

/** A Series Instance UID made from a folder path, for files that have none: 2.25 followed by a 64-bit FNV-1a hash. */
std::string
derivedSeriesUid(const std::string & folder)
{
  uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char character : folder)
  {
    hash ^= character;
    hash *= 1099511628211ULL;
  }
  return "2.25." + std::to_string(hash);
}

/**
 * Splits the image files of one series into stacks that each form one volume: one stack per orientation, image size
 * and echo for single-frame files, one per file for multi-frame files.
 */
std::vector<PartFiles>
splitImageFiles(const std::vector<const ExaminedFile *> & files)
{
  std::vector<Orientation> orientations;
  struct StackKey
  {
    int orientation; ///< index in `orientations`, -1 when the file has none
    int rows;
    int columns;
    std::string echo;
    bool operator<(const StackKey & other) const
    {
      return std::tie(orientation, rows, columns, echo) < std::tie(other.orientation, other.rows, other.columns, other.echo);
    }
  };
  std::map<StackKey, std::vector<const ExaminedFile *>> stacks;
  std::vector<PartFiles> multiFrameParts;

  for (const ExaminedFile * file : files)
  {
    const DicomInstance & instance = file->instance;
    if (instance.numberOfFrames > 1)
    {
      multiFrameParts.push_back({ { file }, "multi-frame file " + fs::path(instance.path).filename().string() });
      continue;
    }
    int orientation = -1;
    if (instance.imageOrientation)
    {
      const auto known = std::find_if(orientations.begin(), orientations.end(), [&instance](const Orientation & other) {
        return sameOrientation(other, *instance.imageOrientation);
      });
      orientation = static_cast<int>(known - orientations.begin());
      if (known == orientations.end())
      {
        orientations.push_back(*instance.imageOrientation);
      }
    }
    stacks[{ orientation, instance.rows, instance.columns, instance.echoNumbers }].push_back(file);
  }

  std::map<std::pair<int, int>, int> sizes;
  std::map<std::string, int> echoes;
  for (const auto & [key, stackFiles] : stacks)
  {
    sizes[{ key.rows, key.columns }] += 1;
    echoes[key.echo] += 1;
  }

  std::vector<PartFiles> parts;
  for (const auto & [key, stackFiles] : stacks)
  {
    std::vector<std::string> words;
    if (orientations.size() > 1 || (key.orientation < 0 && stacks.size() > 1))
    {
      words.push_back(key.orientation < 0 ? "no orientation"
                                          : "orientation " + std::to_string(key.orientation + 1) + " of " +
                                              std::to_string(orientations.size()));
    }
    if (sizes.size() > 1)
    {
      words.push_back(std::to_string(key.columns) + "x" + std::to_string(key.rows) + " pixels");
    }
    if (echoes.size() > 1)
    {
      words.push_back(key.echo.empty() ? "no echo number" : "echo " + key.echo);
    }
    std::string description;
    for (const auto & word : words)
    {
      description += (description.empty() ? "" : ", ") + word;
    }
    parts.push_back({ stackFiles, description });
  }
  parts.insert(parts.end(), multiFrameParts.begin(), multiFrameParts.end());
  return parts;
}

DicomSeries
makeSeries(const PartFiles & part, const std::string & seriesUid, bool derivedUid)
{
  const DicomInstance & first = part.files.front()->instance;
  DicomSeries series;
  series.studyInstanceUid = first.studyInstanceUid;
  series.seriesInstanceUid = seriesUid;
  series.seriesInstanceUidDerived = derivedUid;
  series.frameOfReferenceUid = first.frameOfReferenceUid;
  series.modality = first.modality;
  series.seriesDescription = first.seriesDescription;
  series.sopClassUid = first.sopClassUid;
  series.seriesNumber = first.seriesNumber;
  series.partDescription = part.description;
  for (const ExaminedFile * file : part.files)
  {
    series.instances.push_back(file->instance);
  }

  const ExaminedFile & firstFile = *part.files.front();
  if (!firstFile.nonImageName.empty())
  {
    series.reason = firstFile.nonImageName + ", not an image";
  }
  else if (first.numberOfFrames > 1)
  {
    series.multiFrame = true;
    arrangeMultiFrameSeries(series, firstFile.frameOrientationsDiffer);
  }
  else
  {
    arrangeSingleFrameSeries(series);
  }
  return series;
}

/** Turns the files of one Series Instance UID (or of one folder, for files without it) into series and parts. */
void
addSeries(const std::vector<const ExaminedFile *> & files, const std::string & seriesUid, bool derivedUid,
          std::vector<DicomSeries> & series)
{
  std::map<std::string, std::vector<const ExaminedFile *>> nonImages;
  std::vector<const ExaminedFile *> images;
  for (const ExaminedFile * file : files)
  {
    if (file->nonImageName.empty())
    {
      images.push_back(file);
    }
    else
    {
      nonImages[file->nonImageName].push_back(file);
    }
  }

  std::vector<PartFiles> parts = images.empty() ? std::vector<PartFiles>{} : splitImageFiles(images);
  for (const auto & [name, objects] : nonImages)
  {
    parts.push_back({ objects, name });
  }

  for (size_t index = 0; index < parts.size(); ++index)
  {
    DicomSeries partSeries = makeSeries(parts[index], seriesUid, derivedUid);
    if (parts.size() > 1)
    {
      partSeries.part = static_cast<int>(index + 1);
    }
    else
    {
      partSeries.partDescription.clear();
    }
    series.push_back(std::move(partSeries));
  }
}

/**
 * Numbers as parts the series that share one Series Instance UID across several studies (copied or edited files), so
 * that key() stays unique.
 */
void
separateSeriesSharedByStudies(std::vector<DicomSeries> & series)
{
  std::map<std::string, std::vector<DicomSeries *>> seriesByUid;
  for (auto & candidate : series)
  {
    seriesByUid[candidate.seriesInstanceUid].push_back(&candidate);
  }
  for (auto & [uid, members] : seriesByUid)
  {
    std::set<std::string> studies;
    for (const DicomSeries * member : members)
    {
      studies.insert(member->studyInstanceUid);
    }
    if (studies.size() < 2)
    {
      continue;
    }
    int part = 0;
    for (DicomSeries * member : members)
    {
      member->part = ++part;
      const std::string study = "study " + member->studyInstanceUid;
      member->partDescription = member->partDescription.empty() ? study : study + ", " + member->partDescription;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a series

std::string
describeSeries(const DicomSeries & series)
{
  std::string text = series.key();
  if (!series.seriesDescription.empty())
  {
    text += " (\"" + series.seriesDescription + "\")";
  }
  return text;
}

VectorVolume::Pointer
readSlices(const DicomSeries & series)
{
  std::vector<std::string> fileNames;
  for (const auto & instance : series.instances)
  {
    fileNames.push_back(instance.path);
  }
  auto reader = itk::ImageSeriesReader<VectorVolume>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(fileNames);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::invalid_argument("cannot read the pixel data of DICOM series " + describeSeries(series) + " (" +
                                std::to_string(fileNames.size()) + " files from " + fileNames.front() +
                                "): " + error.GetDescription());
  }
  VectorVolume::Pointer image = reader->GetOutput();
  image->DisconnectPipeline();
  return image;
}

VectorVolume::Pointer
readMultiFrame(const DicomSeries & series)
{
  const std::string & path = series.instances.front().path;
  auto reader = itk::ImageFileReader<VectorVolume>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileName(path);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::invalid_argument("cannot read the pixel data of multi-frame DICOM file " + path + ": " +
                                error.GetDescription());
  }
  VectorVolume::Pointer stored = reader->GetOutput();
  const auto size = stored->GetLargestPossibleRegion().GetSize();
  if (size[2] != series.frameOrder.size())
  {
    throw std::invalid_argument("multi-frame DICOM file " + path + " decodes to " + std::to_string(size[2]) +
                                " frames, but Number of Frames is " + std::to_string(series.frameOrder.size()) +
                                "; the file is damaged or inconsistent, so export the series again");
  }

  // The stored frame order is the one the writer chose, which need not be the order along the normal.
  auto sorted = VectorVolume::New();
  sorted->SetRegions(stored->GetLargestPossibleRegion());
  sorted->SetNumberOfComponentsPerPixel(stored->GetNumberOfComponentsPerPixel());
  sorted->Allocate();
  const size_t frameValues = size[0] * size[1] * stored->GetNumberOfComponentsPerPixel();
  for (size_t slice = 0; slice < series.frameOrder.size(); ++slice)
  {
    std::copy_n(stored->GetBufferPointer() + series.frameOrder[slice] * frameValues, frameValues,
                sorted->GetBufferPointer() + slice * frameValues);
  }
  return sorted;
}

/** Sets origin, spacing and direction from the scanned attributes: the first sorted slice, the cosines and the normal. */
void
applyGeometry(VectorVolume * image, const DicomSeries & series)
{
  const DicomInstance & first = series.instances.front();
  const Vector3 origin = series.multiFrame ? first.framePositions[series.frameOrder.front()] : *first.imagePosition;
  const Orientation & orientation = *first.imageOrientation;
  const Vector3 normal = sliceNormal(orientation);

  VectorVolume::PointType imageOrigin;
  VectorVolume::SpacingType spacing = image->GetSpacing();
  VectorVolume::DirectionType direction;
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    imageOrigin[axis] = origin[axis];
    direction[axis][0] = orientation[axis];
    direction[axis][1] = orientation[3 + axis];
    direction[axis][2] = normal[axis];
  }
  if (first.pixelSpacing)
  {
    // Pixel Spacing lists the distance between rows (along y) first, then between columns (along x).
    spacing[0] = (*first.pixelSpacing)[1];
    spacing[1] = (*first.pixelSpacing)[0];
  }
  spacing[2] = series.sliceSpacing;
  image->SetOrigin(imageOrigin);
  image->SetSpacing(spacing);
  image->SetDirection(direction);
}

} // namespace

DicomScanResult
scanDicomFolder(const std::string & folder, const std::function<void(size_t, size_t)> & progress,
                const std::function<void(size_t)> & listing)
{
  std::error_code error;
  if (!fs::is_directory(folder, error))
  {
    throw std::invalid_argument("DICOM folder " + folder + " does not exist or is not a folder");
  }
  fs::directory_iterator probe(folder, error);
  if (error)
  {
    throw std::invalid_argument("DICOM folder " + folder + " cannot be read: " + error.message());
  }

  DicomScanResult result;
  std::vector<fs::path> files;
  collectFiles(folder, files, result.skippedFiles, listing);

  std::vector<ExaminedFile> examined;
  examined.reserve(files.size());
  {
    const QuietDcmtkParser quiet;
    for (const auto & path : files)
    {
      examined.push_back(examineFile(path));
      result.filesExamined += 1;
      if (progress)
      {
        progress(result.filesExamined, files.size());
      }
    }
  }

  // Files without a Series Instance UID can only be grouped by the folder they are in.
  std::map<std::pair<std::string, std::string>, std::vector<const ExaminedFile *>> groups;
  // A SOP Instance UID names one instance: a second file with it in the same series (an export with a
  // DICOMDIR tree and flat copies, a file copied twice) is the same image, listed as a duplicate.
  std::map<std::tuple<std::string, std::string, std::string>, std::string> firstFileOfInstance;
  for (const ExaminedFile & file : examined)
  {
    if (!file.skipReason.empty())
    {
      result.skippedFiles.push_back({ file.instance.path, file.skipReason });
      continue;
    }
    const std::string & instanceUid = file.instance.sopInstanceUid;
    if (!instanceUid.empty())
    {
      const auto [first, inserted] = firstFileOfInstance.emplace(
        std::make_tuple(file.instance.studyInstanceUid, file.instance.seriesInstanceUid, instanceUid), file.instance.path);
      if (!inserted)
      {
        result.skippedFiles.push_back({ file.instance.path, "duplicate of " + first->second + " (same SOP Instance UID)" });
        continue;
      }
    }
    const bool hasSeriesUid = !file.instance.seriesInstanceUid.empty();
    const std::string seriesUid = hasSeriesUid ? file.instance.seriesInstanceUid
                                               : derivedSeriesUid(fs::path(file.instance.path).parent_path().string());
    groups[{ file.instance.studyInstanceUid, seriesUid }].push_back(&file);
  }
  for (const auto & [key, groupFiles] : groups)
  {
    addSeries(groupFiles, key.second, groupFiles.front()->instance.seriesInstanceUid.empty(), result.series);
  }
  separateSeriesSharedByStudies(result.series);

  std::sort(result.series.begin(), result.series.end(), [](const DicomSeries & a, const DicomSeries & b) {
    return std::tie(a.studyInstanceUid, a.seriesNumber, a.seriesInstanceUid, a.part) <
           std::tie(b.studyInstanceUid, b.seriesNumber, b.seriesInstanceUid, b.part);
  });
  return result;
}

LoadedImage
readDicomSeriesVolume(const DicomSeries & series)
{
  if (!series.segmentable || series.instances.empty())
  {
    throw std::invalid_argument("DICOM series " + describeSeries(series) + " cannot be read as a volume: " +
                                (series.reason.empty() ? "it has no image files" : series.reason));
  }

  VectorVolume::Pointer image = series.multiFrame ? readMultiFrame(series) : readSlices(series);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const DicomInstance & first = series.instances.front();
  const size_t slices = series.multiFrame ? series.frameOrder.size() : series.instances.size();
  if (size[0] != static_cast<size_t>(first.columns) || size[1] != static_cast<size_t>(first.rows) || size[2] != slices)
  {
    throw std::invalid_argument("DICOM series " + describeSeries(series) + " decodes to " + std::to_string(size[0]) + "x" +
                                std::to_string(size[1]) + "x" + std::to_string(size[2]) + " voxels, but its files list " +
                                std::to_string(first.columns) + "x" + std::to_string(first.rows) + " pixels and " +
                                std::to_string(slices) + " slices; the files are damaged or inconsistent");
  }
  applyGeometry(image, series);

  LoadedImage loaded;
  loaded.image = image;
  loaded.fileDimension = 3;
  loaded.tensor = toTensor(loaded.image);
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    loaded.spacing.push_back(loaded.image->GetSpacing()[axis]);
  }
  return loaded;
}

} // namespace unetpp

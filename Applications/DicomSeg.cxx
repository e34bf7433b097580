#include "DicomSeg.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fginterface.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmiod/iodreferences.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <dcmtk/dcmseg/segutils.h>

#include <itkImageRegionConstIteratorWithIndex.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

namespace unetpp
{
namespace
{

// Tolerances for comparing the labelmap grid with the source slices, and the frames of a SEG with each
// other. DICOM stores positions as decimal strings of at most 16 characters, so a few micrometres of
// rounding are normal, while a real mismatch is a fraction of a voxel or more.
constexpr double PositionToleranceMm = 0.01;
constexpr double DirectionTolerance = 1e-3;

// Codes fixed by DICOM PS3.16 for the Derivation Image functional group of a segmentation.
const CodeSequenceMacro SegmentationDerivationCode("113076", "DCM", "Segmentation");
const CodeSequenceMacro SourceImagePurposeCode("121322", "DCM", "Source image for image processing operation");

// Category used when a class has none. SNOMED CT "Anatomical Structure" is the most general category of
// DICOM CID 7150 that fits the organs and structures that segmentation models usually output.
const CodedConcept AnatomicalStructureCategory{ "123037004", "SCT", "Anatomical Structure" };

// DICOM requires every Enhanced General Equipment attribute, but software has no serial number of its own.
const char * const DeviceSerialNumber = "0";
const char * const ContentLabel = "SEGMENTATION";

// Label Map Segmentation Storage (DICOM 2024), which DCMTK 3.6.7 does not define yet.
const char * const LabelMapSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.7";

using Vector3 = std::array<double, 3>;

Vector3
cross(const Vector3 & a, const Vector3 & b)
{
  return { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0] };
}

double
dot(const Vector3 & a, const Vector3 & b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

Vector3
subtract(const Vector3 & a, const Vector3 & b)
{
  return { a[0] - b[0], a[1] - b[1], a[2] - b[2] };
}

double
maxAbsDifference(const Vector3 & a, const Vector3 & b)
{
  return std::max({ std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2]) });
}

std::string
formatVector(const Vector3 & v)
{
  std::ostringstream text;
  text << "(" << v[0] << ", " << v[1] << ", " << v[2] << ")";
  return text.str();
}

/** Formats a number as a DICOM Decimal String, which has at most 16 characters. */
std::string
formatDecimalString(double value)
{
  if (std::abs(value) < 1e-12)
  {
    value = 0.0;
  }
  char buffer[32];
  for (int precision = 12; precision > 0; --precision)
  {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::string(buffer).size() <= 16)
    {
      break;
    }
  }
  return buffer;
}

void
throwIfFailed(const OFCondition & condition, const std::string & what)
{
  if (condition.bad())
  {
    throw std::runtime_error(what + ": " + condition.text());
  }
}

// ---------------------------------------------------------------------------------------------------
// Source series

/** One slice of the source series: the instance to reference and, for multi-frame sources, its frame. */
struct SourceSlice
{
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string seriesInstanceUid;
  int frameNumber = 0; ///< 1-based frame of a multi-frame source; 0 for a single-frame instance
};

/** Source series data that the SEG references, besides the patient, study and Frame of Reference it copies. */
struct SourceSeries
{
  std::string patientId;
  std::string studyInstanceUid;
  std::vector<SourceSlice> slices; ///< in the labelmap's slice order
  double sliceThickness = 0.0;     ///< 0 when the source does not state it
};

std::string
getString(DcmItem & item, const DcmTagKey & tag)
{
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

Vector3
getVector3(DcmItem & item, const DcmTagKey & tag, const std::string & file)
{
  Vector3 v{};
  for (unsigned long i = 0; i < 3; ++i)
  {
    if (item.findAndGetFloat64(tag, v[i], i).bad())
    {
      throw std::invalid_argument("Source file " + file + " has no valid " + DcmTag(tag).getTagName() +
                                  " with three values, and DICOM SEG needs the geometry of every source slice.");
    }
  }
  return v;
}

/** Throws when a single-frame source slice does not lie where the labelmap puts slice `k`. */
void
checkSliceGeometry(DcmItem & dataset, const std::string & file, const SegLabelVolume * labels, unsigned int k)
{
  const auto & direction = labels->GetDirection();
  const auto & spacing = labels->GetSpacing();

  SegLabelVolume::IndexType index{ { 0, 0, static_cast<long>(k) } };
  SegLabelVolume::PointType expectedPoint;
  labels->TransformIndexToPhysicalPoint(index, expectedPoint);
  const Vector3 expectedPosition{ expectedPoint[0], expectedPoint[1], expectedPoint[2] };
  const Vector3 position = getVector3(dataset, DCM_ImagePositionPatient, file);
  if (maxAbsDifference(position, expectedPosition) > PositionToleranceMm)
  {
    throw std::invalid_argument("Source file " + file + " lies at " + formatVector(position) +
                                " but the labelmap puts slice " + std::to_string(k) + " at " +
                                formatVector(expectedPosition) +
                                ". The labelmap must lie on the grid of the source series in the same slice order.");
  }

  Float64 orientation[6] = {};
  for (unsigned long i = 0; i < 6; ++i)
  {
    if (dataset.findAndGetFloat64(DCM_ImageOrientationPatient, orientation[i], i).bad())
    {
      throw std::invalid_argument("Source file " + file + " has no valid ImageOrientationPatient with six values.");
    }
  }
  for (unsigned int axis = 0; axis < 2; ++axis)
  {
    for (unsigned int i = 0; i < 3; ++i)
    {
      if (std::abs(orientation[3 * axis + i] - direction[i][axis]) > DirectionTolerance)
      {
        throw std::invalid_argument("Source file " + file +
                                    " has an ImageOrientationPatient that differs from the labelmap direction.");
      }
    }
  }

  Float64 rowSpacing = 0.0;
  Float64 columnSpacing = 0.0;
  if (dataset.findAndGetFloat64(DCM_PixelSpacing, rowSpacing, 0).good() &&
      dataset.findAndGetFloat64(DCM_PixelSpacing, columnSpacing, 1).good() &&
      (std::abs(rowSpacing - spacing[1]) > PositionToleranceMm ||
       std::abs(columnSpacing - spacing[0]) > PositionToleranceMm))
  {
    std::ostringstream message;
    message << "Source file " << file << " has PixelSpacing " << rowSpacing << "\\" << columnSpacing
            << " but the labelmap spacing is " << spacing[0] << " x " << spacing[1] << ".";
    throw std::invalid_argument(message.str());
  }
}

std::unique_ptr<DcmFileFormat>
loadSourceFile(const std::string & file)
{
  // Elements longer than this are read only on access, so the pixel data of the source stays on disk.
  constexpr Uint32 maxReadLength = 4096;
  auto fileFormat = std::make_unique<DcmFileFormat>();
  const OFCondition condition = fileFormat->loadFile(file.c_str(), EXS_Unknown, EGL_noChange, maxReadLength);
  if (condition.bad())
  {
    throw std::invalid_argument("Cannot read source DICOM file " + file + ": " + condition.text());
  }
  return fileFormat;
}

/**
 * Reads the instance references and checks the source against the labelmap: one single-frame file per
 * slice on the labelmap's grid, or one multi-frame file with one frame per slice.
 */
SourceSeries
readSourceSeries(const std::vector<std::string> & sourceFiles, const SegLabelVolume * labels)
{
  const auto size = labels->GetLargestPossibleRegion().GetSize();
  const bool multiFrame = sourceFiles.size() == 1 && size[2] > 1;
  if (!multiFrame && sourceFiles.size() != size[2])
  {
    throw std::invalid_argument("The labelmap has " + std::to_string(size[2]) + " slices but " +
                                std::to_string(sourceFiles.size()) +
                                " source files were given. Pass one source file per slice or one multi-frame file.");
  }

  SourceSeries series;
  for (std::size_t fileIndex = 0; fileIndex < sourceFiles.size(); ++fileIndex)
  {
    const std::string & file = sourceFiles[fileIndex];
    const auto fileFormat = loadSourceFile(file);
    DcmDataset & dataset = *fileFormat->getDataset();

    Uint16 rows = 0;
    Uint16 columns = 0;
    dataset.findAndGetUint16(DCM_Rows, rows);
    dataset.findAndGetUint16(DCM_Columns, columns);
    if (rows != size[1] || columns != size[0])
    {
      throw std::invalid_argument("Source file " + file + " has " + std::to_string(columns) + " x " +
                                  std::to_string(rows) + " pixels but the labelmap slices have " +
                                  std::to_string(size[0]) + " x " + std::to_string(size[1]) + ".");
    }

    SourceSlice slice;
    slice.sopClassUid = getString(dataset, DCM_SOPClassUID);
    slice.sopInstanceUid = getString(dataset, DCM_SOPInstanceUID);
    slice.seriesInstanceUid = getString(dataset, DCM_SeriesInstanceUID);
    if (slice.sopClassUid.empty() || slice.sopInstanceUid.empty() || slice.seriesInstanceUid.empty())
    {
      throw std::invalid_argument("Source file " + file +
                                  " lacks SOPClassUID, SOPInstanceUID or SeriesInstanceUID, so the SEG cannot reference it.");
    }

    const std::string studyInstanceUid = getString(dataset, DCM_StudyInstanceUID);
    if (fileIndex == 0)
    {
      series.patientId = getString(dataset, DCM_PatientID);
      series.studyInstanceUid = studyInstanceUid;
      Float64 thickness = 0.0;
      if (dataset.findAndGetFloat64(DCM_SliceThickness, thickness).good() && thickness > 0.0)
      {
        series.sliceThickness = thickness;
      }
    }
    else if (studyInstanceUid != series.studyInstanceUid)
    {
      throw std::invalid_argument("Source file " + file + " belongs to study " + studyInstanceUid + ", not to study " +
                                  series.studyInstanceUid + " of " + sourceFiles.front() +
                                  ". All source files must come from one study.");
    }

    if (multiFrame)
    {
      Sint32 numberOfFrames = 0;
      dataset.findAndGetSint32(DCM_NumberOfFrames, numberOfFrames);
      if (numberOfFrames != static_cast<Sint32>(size[2]))
      {
        throw std::invalid_argument("The multi-frame source file " + file + " has " + std::to_string(numberOfFrames) +
                                    " frames but the labelmap has " + std::to_string(size[2]) + " slices.");
      }
      for (int frame = 1; frame <= numberOfFrames; ++frame)
      {
        slice.frameNumber = frame;
        series.slices.push_back(slice);
      }
    }
    else
    {
      checkSliceGeometry(dataset, file, labels, static_cast<unsigned int>(fileIndex));
      series.slices.push_back(slice);
    }
  }
  return series;
}

// ---------------------------------------------------------------------------------------------------
// Segments

bool
isEmpty(const CodedConcept & concept)
{
  return concept.codeValue.empty() && concept.codingScheme.empty() && concept.codeMeaning.empty();
}

CodeSequenceMacro
toCodeSequence(const CodedConcept & concept, const ClassInfo & info, const char * role)
{
  if (concept.codeValue.empty() || concept.codingScheme.empty() || concept.codeMeaning.empty())
  {
    throw std::invalid_argument("The " + std::string(role) + " code of class '" + info.name + "' (label " +
                                std::to_string(info.labelValue) +
                                ") needs a code value, a coding scheme and a code meaning. Fix the model's class table.");
  }
  CodeSequenceMacro code;
  // Code values longer than 16 characters go into Long Code Value, which setCodeValue chooses by itself.
  throwIfFailed(code.setCodeValue(concept.codeValue.c_str()), "Invalid code value " + concept.codeValue);
  throwIfFailed(code.setCodingSchemeDesignator(concept.codingScheme.c_str()),
                "Invalid coding scheme " + concept.codingScheme);
  throwIfFailed(code.setCodeMeaning(concept.codeMeaning.c_str()), "Invalid code meaning " + concept.codeMeaning);
  return code;
}

/**
 * Creates the segment for one class. A class without a category is filed under "Anatomical Structure",
 * and a class without a type takes its category's code as type, so that every segment carries the two
 * codes DICOM requires. The type modifier is written only when the class has one.
 */
DcmSegment *
createSegment(const ClassInfo & info, const DicomSegDescription & description)
{
  const CodedConcept category = isEmpty(info.category) ? AnatomicalStructureCategory : info.category;
  const CodedConcept type = isEmpty(info.type) ? category : info.type;

  DcmSegment * segment = nullptr;
  const std::string label = info.name.empty() ? "Label " + std::to_string(info.labelValue) : info.name;
  throwIfFailed(DcmSegment::create(segment, label.c_str(), toCodeSequence(category, info, "category"),
                                   toCodeSequence(type, info, "type"), DcmSegTypes::SAT_AUTOMATIC,
                                   description.algorithmName.c_str()),
                "Cannot create the DICOM segment for class '" + info.name + "'");
  std::unique_ptr<DcmSegment> owner(segment);

  if (!isEmpty(info.typeModifier))
  {
    // The segment owns the codes in its modifier list and deletes them.
    segment->getSegmentedPropertyTypeModifierCode().push_back(
      new CodeSequenceMacro(toCodeSequence(info.typeModifier, info, "type modifier")));
  }

  const auto lab = rgbToDicomCIELab(info.color);
  throwIfFailed(segment->setRecommendedDisplayCIELabValue(lab[0], lab[1], lab[2]),
                "Cannot set the display colour of class '" + info.name + "'");
  return owner.release();
}

/** Returns, per label value that occurs in the labelmap, the slices that contain it. */
std::map<int, std::set<unsigned int>>
findLabelSlices(const SegLabelVolume * labels)
{
  std::map<int, std::set<unsigned int>> slicesByLabel;
  itk::ImageRegionConstIteratorWithIndex<SegLabelVolume> it(labels, labels->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    if (it.Get() != 0)
    {
      slicesByLabel[it.Get()].insert(static_cast<unsigned int>(it.GetIndex()[2]));
    }
  }
  return slicesByLabel;
}

// ---------------------------------------------------------------------------------------------------
// Functional groups

void
addSharedGeometry(DcmSegmentation & segmentation, const SegLabelVolume * labels, double sliceThickness)
{
  const auto & direction = labels->GetDirection();
  const auto & spacing = labels->GetSpacing();

  std::unique_ptr<FGPlaneOrientationPatient> orientation(FGPlaneOrientationPatient::createMinimal(
    formatDecimalString(direction[0][0]).c_str(), formatDecimalString(direction[1][0]).c_str(),
    formatDecimalString(direction[2][0]).c_str(), formatDecimalString(direction[0][1]).c_str(),
    formatDecimalString(direction[1][1]).c_str(), formatDecimalString(direction[2][1]).c_str()));
  if (!orientation)
  {
    throw std::runtime_error("Cannot create the Plane Orientation functional group.");
  }
  throwIfFailed(segmentation.addForAllFrames(*orientation), "Cannot add the Plane Orientation functional group");

  // Pixel Spacing lists the spacing between rows (y) first, then between columns (x).
  FGPixelMeasures measures;
  const std::string pixelSpacing = formatDecimalString(spacing[1]) + "\\" + formatDecimalString(spacing[0]);
  throwIfFailed(measures.setPixelSpacing(pixelSpacing.c_str()), "Cannot set Pixel Spacing " + pixelSpacing);
  const double thickness = sliceThickness > 0.0 ? sliceThickness : spacing[2];
  throwIfFailed(measures.setSliceThickness(formatDecimalString(thickness).c_str()), "Cannot set Slice Thickness");
  throwIfFailed(measures.setSpacingBetweenSlices(formatDecimalString(spacing[2]).c_str()),
                "Cannot set Spacing Between Slices");
  throwIfFailed(segmentation.addForAllFrames(measures), "Cannot add the Pixel Measures functional group");
}

std::unique_ptr<FGPlanePosPatient>
createPlanePosition(const SegLabelVolume * labels, unsigned int k)
{
  SegLabelVolume::IndexType index{ { 0, 0, static_cast<long>(k) } };
  SegLabelVolume::PointType point;
  labels->TransformIndexToPhysicalPoint(index, point);
  std::unique_ptr<FGPlanePosPatient> position(FGPlanePosPatient::createMinimal(
    formatDecimalString(point[0]).c_str(), formatDecimalString(point[1]).c_str(), formatDecimalString(point[2]).c_str()));
  if (!position)
  {
    throw std::runtime_error("Cannot create the Plane Position functional group of slice " + std::to_string(k) + ".");
  }
  return position;
}

std::unique_ptr<FGDerivationImage>
createDerivationImage(const SourceSlice & source)
{
  ImageSOPInstanceReferenceMacro reference;
  throwIfFailed(reference.setReferencedSOPClassUID(source.sopClassUid.c_str()), "Invalid source SOP Class UID");
  throwIfFailed(reference.setReferencedSOPInstanceUID(source.sopInstanceUid.c_str()), "Invalid source SOP Instance UID");
  if (source.frameNumber > 0)
  {
    throwIfFailed(reference.addReferencedFrameNumber(static_cast<Uint16>(source.frameNumber)),
                  "Invalid source frame number");
  }
  OFVector<ImageSOPInstanceReferenceMacro> references;
  references.push_back(reference);
  std::unique_ptr<FGDerivationImage> derivation(
    FGDerivationImage::createMinimal(references, "", SegmentationDerivationCode, SourceImagePurposeCode));
  if (!derivation)
  {
    throw std::runtime_error("Cannot create the Derivation Image functional group for " + source.sopInstanceUid + ".");
  }
  return derivation;
}

void
addFrame(DcmSegmentation & segmentation, const SegLabelVolume * labels, int labelValue, Uint16 segmentNumber,
         unsigned int k, const SourceSlice & source)
{
  const auto size = labels->GetLargestPossibleRegion().GetSize();
  const std::size_t pixelsPerSlice = size[0] * size[1];
  const unsigned short * slice = labels->GetBufferPointer() + k * pixelsPerSlice;

  // DICOM frames run row by row with columns fastest, which is ITK's buffer order for one slice.
  std::vector<Uint8> mask(pixelsPerSlice);
  std::transform(slice, slice + pixelsPerSlice, mask.begin(),
                 [labelValue](unsigned short value) { return value == labelValue ? 1 : 0; });

  FGFrameContent content;
  throwIfFailed(content.setDimensionIndexValues(segmentNumber, 0), "Cannot set the segment dimension index");
  throwIfFailed(content.setDimensionIndexValues(k + 1, 1), "Cannot set the position dimension index");
  const auto position = createPlanePosition(labels, k);
  const auto derivation = createDerivationImage(source);

  OFVector<FGBase *> perFrame;
  perFrame.push_back(&content);
  perFrame.push_back(position.get());
  perFrame.push_back(derivation.get());
  throwIfFailed(segmentation.addFrame(mask.data(), segmentNumber, perFrame),
                "Cannot add slice " + std::to_string(k) + " of segment " + std::to_string(segmentNumber));
}

// ---------------------------------------------------------------------------------------------------
// Whole document

std::unique_ptr<DcmSegmentation>
createSegmentation(const SegLabelVolume * labels, const std::string & firstSourceFile,
                   const DicomSegDescription & description)
{
  const auto size = labels->GetLargestPossibleRegion().GetSize();
  if (size[0] > 65535 || size[1] > 65535)
  {
    throw std::invalid_argument("DICOM limits rows and columns to 65535. The labelmap slices have " +
                                std::to_string(size[0]) + " x " + std::to_string(size[1]) + " pixels.");
  }

  const std::string softwareVersions =
    !description.softwareVersions.empty()
      ? description.softwareVersions
      : (!description.algorithmVersion.empty() ? description.algorithmVersion : std::string("unknown"));
  const IODGeneralEquipmentModule::EquipmentInfo equipment(description.manufacturer.c_str(),
                                                           description.algorithmName.c_str(), DeviceSerialNumber,
                                                           softwareVersions.c_str());
  ContentIdentificationMacro content;
  throwIfFailed(content.setInstanceNumber("1"), "Cannot set the instance number");
  throwIfFailed(content.setContentLabel(ContentLabel), "Cannot set the content label");
  throwIfFailed(content.setContentDescription(description.seriesDescription.c_str()),
                "Cannot set the content description");

  DcmSegmentation * created = nullptr;
  throwIfFailed(DcmSegmentation::createBinarySegmentation(created, static_cast<Uint16>(size[1]),
                                                          static_cast<Uint16>(size[0]), equipment, content),
                "Cannot create the DICOM segmentation (manufacturer, algorithm name and series description must not be empty)");
  std::unique_ptr<DcmSegmentation> segmentation(created);

  throwIfFailed(segmentation->importFromSourceImage(firstSourceFile.c_str()),
                "Cannot copy patient, study and Frame of Reference from " + firstSourceFile);

  char uid[100];
  IODGeneralSeriesModule & series = segmentation->getSeries();
  throwIfFailed(series.setSeriesInstanceUID(dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT)),
                "Cannot set the Series Instance UID");
  throwIfFailed(series.setSeriesNumber(std::to_string(description.seriesNumber).c_str()),
                "Invalid series number " + std::to_string(description.seriesNumber));
  throwIfFailed(series.setSeriesDescription(description.seriesDescription.c_str()), "Invalid series description");
  OFString date;
  OFString time;
  DcmDate::getCurrentDate(date);
  DcmTime::getCurrentTime(time);
  throwIfFailed(series.setSeriesDate(date), "Cannot set the series date");
  throwIfFailed(series.setSeriesTime(time), "Cannot set the series time");
  throwIfFailed(segmentation->getSOPCommon().setSOPInstanceUID(dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)),
                "Cannot set the SOP Instance UID");
  return segmentation;
}

void
addDimensions(DcmSegmentation & segmentation)
{
  char uid[100];
  const OFString organizationUid = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
  IODMultiframeDimensionModule & dimensions = segmentation.getDimensions();
  throwIfFailed(dimensions.addDimensionIndex(DCM_ReferencedSegmentNumber, organizationUid,
                                             DCM_SegmentIdentificationSequence, "ReferencedSegmentNumber"),
                "Cannot add the segment number dimension");
  throwIfFailed(dimensions.addDimensionIndex(DCM_ImagePositionPatient, organizationUid, DCM_PlanePositionSequence,
                                             "ImagePositionPatient"),
                "Cannot add the image position dimension");
}

void
addSeriesReferences(DcmSegmentation & segmentation, const SourceSeries & source)
{
  IODReferences references;
  std::set<std::string> referenced;
  for (const SourceSlice & slice : source.slices)
  {
    if (referenced.insert(slice.sopInstanceUid).second)
    {
      auto reference = std::make_unique<IODImageReference>(source.patientId.c_str(), source.studyInstanceUid.c_str(),
                                                           slice.seriesInstanceUid.c_str(),
                                                           slice.sopInstanceUid.c_str(), slice.sopClassUid.c_str());
      if (!references.add(reference.get()))
      {
        throw std::runtime_error("Cannot reference source instance " + slice.sopInstanceUid + ".");
      }
      reference.release(); // owned by `references` from here on
    }
  }
  segmentation.getCommonInstanceReference().addReferences(references, source.studyInstanceUid.c_str());
}

/** Returns the classes that occur in the labelmap and throws on label values that no class describes. */
std::vector<const ClassInfo *>
selectClasses(const std::map<int, std::set<unsigned int>> & slicesByLabel, const std::vector<ClassInfo> & classes)
{
  std::map<int, const ClassInfo *> classByLabel;
  for (const ClassInfo & info : classes)
  {
    if (info.labelValue != 0 && !classByLabel.emplace(info.labelValue, &info).second)
    {
      throw std::invalid_argument("Two classes share label value " + std::to_string(info.labelValue) + ".");
    }
  }

  std::vector<const ClassInfo *> selected;
  for (const auto & entry : slicesByLabel)
  {
    const auto found = classByLabel.find(entry.first);
    if (found == classByLabel.end())
    {
      throw std::invalid_argument("The labelmap contains label value " + std::to_string(entry.first) +
                                  ", which no class describes. Pass the model's full class list.");
    }
    selected.push_back(found->second);
  }
  if (selected.empty())
  {
    throw std::invalid_argument("The labelmap contains no voxel of any class, and a DICOM SEG needs at least one segment.");
  }
  return selected;
}

void
writeSegmentation(DcmSegmentation & segmentation, const std::filesystem::path & path)
{
  // Write beside the target and rename, so that a reader never sees a half-written file.
  std::filesystem::path partialPath = path;
  partialPath += ".partial";
  const OFCondition condition = segmentation.saveFile(partialPath.c_str(), EXS_LittleEndianExplicit);
  if (condition.bad())
  {
    std::error_code ignored;
    std::filesystem::remove(partialPath, ignored);
    throw std::runtime_error("Cannot write DICOM SEG " + partialPath.string() + ": " + condition.text());
  }
  std::error_code error;
  std::filesystem::rename(partialPath, path, error);
  if (error)
  {
    std::filesystem::remove(partialPath, error);
    throw std::runtime_error("Cannot rename " + partialPath.string() + " to " + path.string() + ": " + error.message());
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** One frame of a SEG: where it lies and which segment it belongs to. */
struct SegFrame
{
  std::size_t frameIndex = 0;
  Uint16 segmentNumber = 0;
  Vector3 position{};
  long slice = 0;
};

/** Grid of a SEG's frames. */
struct FrameGrid
{
  Vector3 rowDirection{};
  Vector3 columnDirection{};
  Vector3 normal{};
  Vector3 origin{};
  double rowSpacing = 1.0;    ///< between rows, along the column direction
  double columnSpacing = 1.0; ///< between columns, along the row direction
  double sliceSpacing = 1.0;
  long numberOfSlices = 1;
};

std::string
describe(const std::string & path)
{
  return "DICOM SEG " + path;
}

void
checkSegmentationType(DcmDataset & dataset, const std::string & path)
{
  const std::string sopClass = getString(dataset, DCM_SOPClassUID);
  if (sopClass == LabelMapSegmentationStorage)
  {
    throw std::invalid_argument(describe(path) +
                                " is a Label Map Segmentation (Segmentation Type LABELMAP). Only BINARY segmentations can be read.");
  }
  if (sopClass != UID_SegmentationStorage)
  {
    throw std::invalid_argument(path + " is not a DICOM Segmentation object (SOP Class UID '" + sopClass + "').");
  }
  const std::string type = getString(dataset, DCM_SegmentationType);
  if (type == "FRACTIONAL")
  {
    throw std::invalid_argument(describe(path) +
                                " is FRACTIONAL. Only BINARY segmentations can be read as a labelmap.");
  }
  if (type != "BINARY")
  {
    throw std::invalid_argument(describe(path) + " has Segmentation Type '" + type +
                                "'. Only BINARY segmentations can be read as a labelmap.");
  }
}

FGBase *
findGroup(FGInterface & groups, std::size_t frame, DcmFGTypes::E_FGType type, const char * name, const std::string & path)
{
  FGBase * group = groups.get(static_cast<Uint32>(frame), type);
  if (!group)
  {
    throw std::invalid_argument(describe(path) + " has no " + name + " functional group for frame " +
                                std::to_string(frame + 1) + ".");
  }
  return group;
}

std::vector<SegFrame>
readFrames(DcmSegmentation & segmentation, FrameGrid & grid, const std::string & path)
{
  FGInterface & groups = segmentation.getFunctionalGroups();
  std::vector<SegFrame> frames;
  for (std::size_t i = 0; i < segmentation.getNumberOfFrames(); ++i)
  {
    auto * orientation =
      static_cast<FGPlaneOrientationPatient *>(findGroup(groups, i, DcmFGTypes::EFG_PLANEORIENTPATIENT, "Plane Orientation", path));
    Vector3 row{};
    Vector3 column{};
    throwIfFailed(orientation->getImageOrientationPatient(row[0], row[1], row[2], column[0], column[1], column[2]),
                  describe(path) + ": invalid ImageOrientationPatient of frame " + std::to_string(i + 1));
    if (i == 0)
    {
      grid.rowDirection = row;
      grid.columnDirection = column;
      grid.normal = cross(row, column);

      auto * measures = static_cast<FGPixelMeasures *>(findGroup(groups, i, DcmFGTypes::EFG_PIXELMEASURES, "Pixel Measures", path));
      throwIfFailed(measures->getPixelSpacing(grid.rowSpacing, 0), describe(path) + ": invalid Pixel Spacing");
      throwIfFailed(measures->getPixelSpacing(grid.columnSpacing, 1), describe(path) + ": invalid Pixel Spacing");
      Float64 spacingBetweenSlices = 0.0;
      Float64 sliceThickness = 0.0;
      if (measures->getSpacingBetweenSlices(spacingBetweenSlices).good() && spacingBetweenSlices > 0.0)
      {
        grid.sliceSpacing = spacingBetweenSlices;
      }
      else if (measures->getSliceThickness(sliceThickness).good() && sliceThickness > 0.0)
      {
        grid.sliceSpacing = sliceThickness;
      }
    }
    else if (maxAbsDifference(row, grid.rowDirection) > DirectionTolerance ||
             maxAbsDifference(column, grid.columnDirection) > DirectionTolerance)
    {
      throw std::invalid_argument(describe(path) + ": frame " + std::to_string(i + 1) +
                                  " has another orientation than frame 1. Frames must form one volume.");
    }

    SegFrame frame;
    frame.frameIndex = i;
    auto * position =
      static_cast<FGPlanePosPatient *>(findGroup(groups, i, DcmFGTypes::EFG_PLANEPOSPATIENT, "Plane Position", path));
    throwIfFailed(position->getImagePositionPatient(frame.position[0], frame.position[1], frame.position[2]),
                  describe(path) + ": invalid ImagePositionPatient of frame " + std::to_string(i + 1));
    auto * segment =
      static_cast<FGSegmentation *>(findGroup(groups, i, DcmFGTypes::EFG_SEGMENTATION, "Segmentation", path));
    throwIfFailed(segment->getReferencedSegmentNumber(frame.segmentNumber),
                  describe(path) + ": frame " + std::to_string(i + 1) + " has no Referenced Segment Number");
    frames.push_back(frame);
  }
  if (frames.empty())
  {
    throw std::invalid_argument(describe(path) + " contains no frames.");
  }
  return frames;
}

/**
 * Places every frame on a slice of a regular grid along the normal. The slice spacing is the smallest
 * distance between distinct frame positions, or Spacing Between Slices where that divides it, so that
 * a gap of several slices without frames stays a gap.
 */
void
placeFramesOnGrid(std::vector<SegFrame> & frames, FrameGrid & grid, const std::string & path)
{
  std::vector<double> distances;
  for (const SegFrame & frame : frames)
  {
    distances.push_back(dot(frame.position, grid.normal));
  }
  std::vector<double> distinct = distances;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end(),
                             [](double a, double b) { return std::abs(a - b) <= PositionToleranceMm; }),
                 distinct.end());

  if (distinct.size() > 1)
  {
    double smallestGap = distinct.back() - distinct.front();
    for (std::size_t i = 1; i < distinct.size(); ++i)
    {
      smallestGap = std::min(smallestGap, distinct[i] - distinct[i - 1]);
    }
    const double ratio = smallestGap / grid.sliceSpacing;
    const bool statedSpacingFits = ratio >= 1.0 - 1e-3 && std::abs(ratio - std::round(ratio)) * grid.sliceSpacing <= PositionToleranceMm;
    if (!statedSpacingFits)
    {
      grid.sliceSpacing = smallestGap;
    }
  }

  const double first = distinct.front();
  const auto firstFrame = std::find_if(frames.begin(), frames.end(), [&](const SegFrame & frame) {
    return std::abs(dot(frame.position, grid.normal) - first) <= PositionToleranceMm;
  });
  grid.origin = firstFrame->position;
  grid.numberOfSlices = std::lround((distinct.back() - first) / grid.sliceSpacing) + 1;

  for (std::size_t i = 0; i < frames.size(); ++i)
  {
    const double steps = (distances[i] - first) / grid.sliceSpacing;
    frames[i].slice = std::lround(steps);
    const Vector3 inPlaneOffset = subtract(frames[i].position, grid.origin);
    if (std::abs(steps - frames[i].slice) * grid.sliceSpacing > PositionToleranceMm ||
        std::abs(dot(inPlaneOffset, grid.rowDirection)) > PositionToleranceMm ||
        std::abs(dot(inPlaneOffset, grid.columnDirection)) > PositionToleranceMm)
    {
      throw std::invalid_argument(describe(path) + ": frame " + std::to_string(frames[i].frameIndex + 1) + " at " +
                                  formatVector(frames[i].position) +
                                  " does not lie on the regular slice grid of the other frames.");
    }
  }
}

SegLabelVolume::Pointer
createLabelVolume(const FrameGrid & grid, Uint16 rows, Uint16 columns)
{
  SegLabelVolume::SizeType size{ { columns, rows, static_cast<SegLabelVolume::SizeValueType>(grid.numberOfSlices) } };
  SegLabelVolume::SpacingType spacing;
  spacing[0] = grid.columnSpacing;
  spacing[1] = grid.rowSpacing;
  spacing[2] = grid.sliceSpacing;
  SegLabelVolume::PointType origin;
  SegLabelVolume::DirectionType direction;
  for (unsigned int i = 0; i < 3; ++i)
  {
    origin[i] = grid.origin[i];
    direction[i][0] = grid.rowDirection[i];
    direction[i][1] = grid.columnDirection[i];
    direction[i][2] = grid.normal[i];
  }

  auto labels = SegLabelVolume::New();
  labels->SetRegions(SegLabelVolume::RegionType(size));
  labels->SetSpacing(spacing);
  labels->SetOrigin(origin);
  labels->SetDirection(direction);
  labels->Allocate(true);
  return labels;
}

} // namespace

// ---------------------------------------------------------------------------------------------------

std::array<unsigned short, 3>
rgbToDicomCIELab(const std::array<int, 3> & rgb)
{
  // sRGB (IEC 61966-2-1) to linear light.
  std::array<double, 3> linear{};
  for (std::size_t i = 0; i < 3; ++i)
  {
    const double value = std::clamp(rgb[i], 0, 255) / 255.0;
    linear[i] = value <= 0.04045 ? value / 12.92 : std::pow((value + 0.055) / 1.055, 2.4);
  }

  // Linear sRGB to CIE XYZ, D65 white point.
  const double x = 0.4124564 * linear[0] + 0.3575761 * linear[1] + 0.1804375 * linear[2];
  const double y = 0.2126729 * linear[0] + 0.7151522 * linear[1] + 0.0721750 * linear[2];
  const double z = 0.0193339 * linear[0] + 0.1191920 * linear[1] + 0.9503041 * linear[2];

  // CIE XYZ to CIELab relative to the D65 white (X 0.95047, Y 1.0, Z 1.08883).
  const auto f = [](double t) {
    constexpr double epsilon = 216.0 / 24389.0;
    constexpr double kappa = 24389.0 / 27.0;
    return t > epsilon ? std::cbrt(t) : (kappa * t + 16.0) / 116.0;
  };
  const double fx = f(x / 0.95047);
  const double fy = f(y / 1.0);
  const double fz = f(z / 1.08883);
  const double lightness = 116.0 * fy - 16.0;
  const double a = 500.0 * (fx - fy);
  const double b = 200.0 * (fy - fz);

  // DICOM scales L* 0..100 and a*, b* -128..127 linearly onto 0..65535.
  const auto scale = [](double value, double low, double high) {
    const double scaled = (value - low) / (high - low) * 65535.0;
    return static_cast<unsigned short>(std::lround(std::clamp(scaled, 0.0, 65535.0)));
  };
  return { scale(lightness, 0.0, 100.0), scale(a, -128.0, 127.0), scale(b, -128.0, 127.0) };
}

void
writeDicomSeg(const std::string & path, const SegLabelVolume * labels, const std::vector<std::string> & sourceFiles,
              const std::vector<ClassInfo> & classes, const DicomSegDescription & description)
{
  if (!labels)
  {
    throw std::invalid_argument("No labelmap was given for DICOM SEG " + path + ".");
  }
  if (sourceFiles.empty())
  {
    throw std::invalid_argument("DICOM SEG " + path + " needs the source series' files, and none were given.");
  }
  const std::filesystem::path target(path);
  const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder))
  {
    throw std::invalid_argument("Cannot write DICOM SEG " + path + ": the folder " + folder.string() +
                                " does not exist.");
  }

  const SourceSeries source = readSourceSeries(sourceFiles, labels);
  const auto slicesByLabel = findLabelSlices(labels);
  const std::vector<const ClassInfo *> segmentClasses = selectClasses(slicesByLabel, classes);

  auto segmentation = createSegmentation(labels, sourceFiles.front(), description);
  addSharedGeometry(*segmentation, labels, source.sliceThickness);
  addDimensions(*segmentation);
  addSeriesReferences(*segmentation, source);

  const unsigned int lastSlice = static_cast<unsigned int>(source.slices.size() - 1);
  for (std::size_t s = 0; s < segmentClasses.size(); ++s)
  {
    const ClassInfo & info = *segmentClasses[s];
    Uint16 segmentNumber = 0;
    throwIfFailed(segmentation->addSegment(createSegment(info, description), segmentNumber),
                  "Cannot add the segment of class '" + info.name + "'");

    std::set<unsigned int> slices = slicesByLabel.at(info.labelValue);
    if (s == 0)
    {
      slices.insert(0);
      slices.insert(lastSlice);
    }
    for (unsigned int k : slices)
    {
      addFrame(*segmentation, labels, info.labelValue, segmentNumber, k, source.slices[k]);
    }
  }

  writeSegmentation(*segmentation, target);
}

SegLabelVolume::Pointer
readDicomSegLabelmap(const std::string & path, const std::vector<int> & labelValues)
{
  DcmFileFormat fileFormat;
  const OFCondition loaded = fileFormat.loadFile(path.c_str());
  if (loaded.bad())
  {
    throw std::invalid_argument("Cannot read " + describe(path) + ": " + loaded.text());
  }
  checkSegmentationType(*fileFormat.getDataset(), path);

  DcmSegmentation * created = nullptr;
  const OFCondition read = DcmSegmentation::loadDataset(*fileFormat.getDataset(), created);
  std::unique_ptr<DcmSegmentation> segmentation(created);
  if (read.bad() || !segmentation)
  {
    throw std::invalid_argument("Cannot read " + describe(path) + " as a segmentation: " + read.text());
  }

  const std::size_t numberOfSegments = segmentation->getNumberOfSegments();
  if (!labelValues.empty() && labelValues.size() < numberOfSegments)
  {
    throw std::invalid_argument(describe(path) + " has " + std::to_string(numberOfSegments) + " segments but only " +
                                std::to_string(labelValues.size()) + " label values were given.");
  }
  for (int value : labelValues)
  {
    if (value <= 0 || value > 65535)
    {
      throw std::invalid_argument("Label value " + std::to_string(value) + " is outside 1..65535.");
    }
  }

  FrameGrid grid;
  std::vector<SegFrame> frames = readFrames(*segmentation, grid, path);
  placeFramesOnGrid(frames, grid, path);

  Uint16 rows = 0;
  Uint16 columns = 0;
  fileFormat.getDataset()->findAndGetUint16(DCM_Rows, rows);
  fileFormat.getDataset()->findAndGetUint16(DCM_Columns, columns);
  auto labels = createLabelVolume(grid, rows, columns);
  const std::size_t pixelsPerFrame = static_cast<std::size_t>(rows) * columns;

  for (const SegFrame & frame : frames)
  {
    if (frame.segmentNumber == 0 || frame.segmentNumber > numberOfSegments)
    {
      throw std::invalid_argument(describe(path) + ": frame " + std::to_string(frame.frameIndex + 1) +
                                  " refers to segment " + std::to_string(frame.segmentNumber) + ", which does not exist.");
    }
    const unsigned short labelValue =
      static_cast<unsigned short>(labelValues.empty() ? frame.segmentNumber : labelValues[frame.segmentNumber - 1]);

    // DCMTK keeps binary frames packed, one bit per pixel, each frame starting on a byte.
    const DcmIODTypes::Frame * packed = segmentation->getFrame(frame.frameIndex);
    if (!packed)
    {
      throw std::invalid_argument(describe(path) + ": frame " + std::to_string(frame.frameIndex + 1) + " has no pixel data.");
    }
    std::unique_ptr<DcmIODTypes::Frame> unpacked;
    const Uint8 * pixels = packed->pixData;
    if (packed->length < pixelsPerFrame)
    {
      unpacked.reset(DcmSegUtils::unpackBinaryFrame(packed, rows, columns));
      if (!unpacked || unpacked->length < pixelsPerFrame)
      {
        throw std::invalid_argument(describe(path) + ": cannot unpack frame " + std::to_string(frame.frameIndex + 1) + ".");
      }
      pixels = unpacked->pixData;
    }

    unsigned short * slice = labels->GetBufferPointer() + frame.slice * pixelsPerFrame;
    for (std::size_t p = 0; p < pixelsPerFrame; ++p)
    {
      if (pixels[p] == 0)
      {
        continue;
      }
      if (slice[p] != 0 && slice[p] != labelValue)
      {
        std::ostringstream message;
        message << describe(path) << ": segments overlap at column " << p % columns << ", row " << p / columns
                << " of slice " << frame.slice << " (label values " << slice[p] << " and " << labelValue
                << "). A labelmap cannot hold overlapping segments.";
        throw std::invalid_argument(message.str());
      }
      slice[p] = labelValue;
    }
  }
  return labels;
}

} // namespace unetpp

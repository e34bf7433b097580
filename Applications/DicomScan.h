#pragma once

#include "ImageTensor.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace unetpp
{

/** The identifying and geometric attributes of one DICOM file, read without its pixel data. */
struct DicomInstance
{
  std::string path;
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string frameOfReferenceUid;
  std::string modality;
  std::string seriesDescription;
  std::string transferSyntaxUid;
  std::optional<int> seriesNumber; ///< absent when the file leaves Series Number (0020,0011) empty
  int instanceNumber = 0;
  int acquisitionNumber = 0;
  std::string echoNumbers;
  int rows = 0;
  int columns = 0;
  int numberOfFrames = 1;
  std::optional<std::array<double, 3>> imagePosition;    ///< Image Position (Patient), mm
  std::optional<std::array<double, 6>> imageOrientation; ///< Image Orientation (Patient), row then column cosines
  std::optional<std::array<double, 2>> pixelSpacing;     ///< row spacing, column spacing, mm
  bool hasPixelData = false;
  /**
   * Multi-frame images: Image Position (Patient) of each frame in stored frame order, from the per-frame or shared
   * functional groups. It is empty when a frame has none. imagePosition, imageOrientation and pixelSpacing then come from
   * the first frame's functional groups unless the file also has them at the top level.
   */
  std::vector<std::array<double, 3>> framePositions;
};

/**
 * One series found by a scan, or one part of a series that had to be split (several orientations,
 * image sizes or echoes in one Series Instance UID).
 */
struct DicomSeries
{
  std::string studyInstanceUid;
  std::string seriesInstanceUid;
  std::string frameOfReferenceUid;
  std::string modality;
  std::string seriesDescription;
  std::string sopClassUid;
  std::optional<int> seriesNumber; ///< the first instance's; absent when its Series Number is empty
  /** 0 when the series was not split; otherwise 1, 2, ... for each part, described by partDescription. */
  int part = 0;
  std::string partDescription;
  /** Image series: sorted along the slice normal, first slice first. Other series: in path order. */
  std::vector<DicomInstance> instances;
  bool multiFrame = false;
  /** True for image series that can be read as one volume. */
  bool segmentable = false;
  /** Reason the series cannot be segmented (non-image object, one slice, uneven spacing, gantry tilt...). */
  std::string reason;
  /** Slice spacing along the normal in mm, measured from the sorted positions (image series). */
  double sliceSpacing = 0.0;
  /** Multi-frame series: the stored frame indices (from 0) in sorted order along the normal. */
  std::vector<size_t> frameOrder;
  /**
   * True when the files have no Series Instance UID. They are then grouped by folder, and seriesInstanceUid is a
   * UID derived from the folder path (2.25 root), so that key() stays unique and the same from one scan to the next.
   */
  bool seriesInstanceUidDerived = false;

  /** Series Instance UID, with "-part" and the part number appended for a split series. */
  std::string key() const;
};

/** A file under the scanned folder that is not part of any series, and why. */
struct SkippedFile
{
  std::string path;
  std::string reason; ///< for example "not DICOM", "empty file", "truncated DICOM", "permission denied"
};

struct DicomScanResult
{
  std::vector<DicomSeries> series; ///< sorted by study, series number, Series Instance UID and part
  std::vector<SkippedFile> skippedFiles;
  size_t filesExamined = 0;
};

/**
 * Scans a folder tree for DICOM files, recognised by their content (preamble and "DICM", or a dataset
 * that parses) and not by extension, and groups them by study and series. Files that are not DICOM or
 * cannot be read are listed in skippedFiles with the reason. While the tree is walked, `listing` is called
 * once per folder with the number of files found so far. Then `progress` is called after each file is
 * examined, with the number examined and the total. An exception thrown by either ends the scan.
 * Throws std::invalid_argument when `folder` is not a readable folder.
 */
DicomScanResult scanDicomFolder(const std::string & folder,
                                const std::function<void(size_t examined, size_t total)> & progress = {},
                                const std::function<void(size_t filesFound)> & listing = {});

/**
 * Reads a segmentable series as one volume with the geometry of its sorted slices; compressed transfer
 * syntaxes (JPEG, JPEG-LS, JPEG 2000, RLE) are decoded. Throws std::invalid_argument naming the series
 * when its pixel data cannot be read.
 */
LoadedImage readDicomSeriesVolume(const DicomSeries & series);

} // namespace unetpp

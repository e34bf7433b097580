#include "InputVolume.h"

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImageSeriesReader.h>
#include <itkMetaDataObject.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>

namespace unetpp
{

namespace
{

std::string
trimmed(std::string text)
{
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

std::string
listSeries(const std::vector<DicomSeriesInfo> & series)
{
  std::ostringstream text;
  for (size_t index = 0; index < series.size(); ++index)
  {
    text << "\n  " << index + 1 << ": " << series[index].identifier << "  " << series[index].modality << "  \""
         << series[index].description << "\"  " << series[index].fileCount << " files";
  }
  return text.str();
}

const DicomSeriesInfo &
chooseSeries(const std::vector<DicomSeriesInfo> & series, const std::string & choice, const std::string & folder)
{
  if (choice.empty())
  {
    if (series.size() == 1)
    {
      return series.front();
    }
    throw std::invalid_argument("folder " + folder + " contains " + std::to_string(series.size()) +
                                " DICOM series; choose one with --series NUMBER or --series IDENTIFIER:" +
                                listSeries(series));
  }
  for (const auto & candidate : series)
  {
    if (candidate.identifier == choice)
    {
      return candidate;
    }
  }
  if (choice.find_first_not_of("0123456789") == std::string::npos)
  {
    const auto number = std::stoul(choice);
    if (number >= 1 && number <= series.size())
    {
      return series[number - 1];
    }
  }
  throw std::invalid_argument("no series '" + choice + "' in " + folder + "; the folder contains:" + listSeries(series));
}

std::optional<std::array<double, 3>>
imagePosition(const itk::MetaDataDictionary & dictionary)
{
  std::string text;
  if (!itk::ExposeMetaData<std::string>(dictionary, "0020|0032", text))
  {
    return std::nullopt;
  }
  std::array<double, 3> position{};
  std::replace(text.begin(), text.end(), '\\', ' ');
  std::istringstream stream(text);
  for (double & coordinate : position)
  {
    if (!(stream >> coordinate))
    {
      return std::nullopt;
    }
  }
  return position;
}

/**
 * Rejects a series whose slices do not stack into a regular volume: two files at the same position (a copied
 * file, or two acquisitions mixed) or gaps in the slice spacing (missing files). Reading such a series would
 * give a volume with a wrong slice spacing, and so wrong label volumes.
 */
void
checkSlicePositions(const VectorVolume * volume, const itk::ImageSeriesReader<VectorVolume>::DictionaryArrayType & slices,
                    const DicomSeriesInfo & series)
{
  // Relative spread of slice distances that still counts as even spacing.
  constexpr double SpacingTolerance = 0.1;
  std::vector<double> distances;
  for (const auto * dictionary : slices)
  {
    const auto position = imagePosition(*dictionary);
    if (!position)
    {
      return;
    }
    double along = 0.0;
    for (unsigned row = 0; row < 3; ++row)
    {
      along += (*position)[row] * volume->GetDirection()[row][2];
    }
    distances.push_back(along);
  }
  for (size_t index = 1; index < distances.size(); ++index)
  {
    const double step = distances[index] - distances[index - 1];
    if (std::abs(step) < 1e-4)
    {
      throw std::invalid_argument("DICOM series " + series.identifier + " has two files at the same slice position: " +
                                  series.fileNames[index - 1] + " and " + series.fileNames[index] +
                                  "; remove the duplicate or separate the acquisitions");
    }
  }
  if (distances.size() >= 3)
  {
    std::vector<double> steps;
    for (size_t index = 1; index < distances.size(); ++index)
    {
      steps.push_back(std::abs(distances[index] - distances[index - 1]));
    }
    const auto [smallest, largest] = std::minmax_element(steps.begin(), steps.end());
    if (*largest > (1.0 + SpacingTolerance) * *smallest)
    {
      throw std::invalid_argument("DICOM series " + series.identifier + " has uneven slice spacing (" +
                                  std::to_string(*smallest) + " to " + std::to_string(*largest) +
                                  " mm), which usually means missing slices; it cannot be read as one regular volume");
    }
  }
}

} // namespace

std::vector<DicomSeriesInfo>
findDicomSeries(const std::string & folder)
{
  auto names = itk::GDCMSeriesFileNames::New();
  // Series details split a series whose files differ in orientation or size, which would not stack into a volume.
  names->SetUseSeriesDetails(true);
  names->SetDirectory(folder);

  std::vector<DicomSeriesInfo> series;
  for (const auto & identifier : names->GetSeriesUIDs())
  {
    DicomSeriesInfo info;
    info.identifier = identifier;
    info.fileNames = names->GetFileNames(identifier);
    info.fileCount = info.fileNames.size();
    if (!info.fileNames.empty())
    {
      auto io = itk::GDCMImageIO::New();
      io->SetFileName(info.fileNames.front());
      try
      {
        io->ReadImageInformation();
        std::string value;
        if (io->GetValueFromTag("0008|103e", value))
        {
          info.description = trimmed(value);
        }
        if (io->GetValueFromTag("0008|0060", value))
        {
          info.modality = trimmed(value);
        }
      }
      catch (const itk::ExceptionObject &)
      {
        // The series is still listed; reading it later reports the error with the file name.
      }
    }
    series.push_back(std::move(info));
  }
  return series;
}

InputVolume
readInputVolume(const std::string & path, const std::string & series)
{
  if (!std::filesystem::is_directory(path))
  {
    if (!series.empty())
    {
      throw std::invalid_argument("--series applies to a folder of DICOM files, but " + path + " is a file");
    }
    return { readImageTensor(path), path };
  }

  const auto found = findDicomSeries(path);
  if (found.empty())
  {
    throw std::invalid_argument("folder " + path + " contains no DICOM image series (subfolders are not searched: "
                                "give the folder that holds the series' files)");
  }
  const DicomSeriesInfo & chosen = chooseSeries(found, series, path);

  using ReaderType = itk::ImageSeriesReader<VectorVolume>;
  auto reader = ReaderType::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(chosen.fileNames);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::invalid_argument("cannot read DICOM series " + chosen.identifier + " in " + path + ": " +
                                error.GetDescription());
  }

  checkSlicePositions(reader->GetOutput(), *reader->GetMetaDataDictionaryArray(), chosen);

  InputVolume input;
  input.loaded.image = reader->GetOutput();
  input.loaded.fileDimension = 3;
  input.loaded.tensor = toTensor(input.loaded.image);
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    input.loaded.spacing.push_back(input.loaded.image->GetSpacing()[axis]);
  }
  input.source = path + " (DICOM series \"" + chosen.description + "\", " + std::to_string(chosen.fileCount) + " files)";
  return input;
}

std::optional<unsigned>
axisFarFromTrainingSpacing(const ModelMetadata & metadata, const LoadedImage & loaded)
{
  constexpr double SpacingTolerance = 1.0 / 3.0;
  if (loaded.fileDimension != 3 || metadata.trainingSpacing.size() != 3)
  {
    return std::nullopt;
  }
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    const double training = metadata.trainingSpacing[axis];
    if (training > 0.0 && std::abs(loaded.spacing[axis] - training) > SpacingTolerance * training)
    {
      return axis;
    }
  }
  return std::nullopt;
}

} // namespace unetpp

#pragma once

#include "unetpp/NetworkConfig.h"
#include "unetpp/Orientation.h"
#include "unetpp/UNetPlusPlus.h"

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace unetpp
{

/** Version of the model file layout that this build writes and the only one it reads. */
constexpr int ModelFileFormatVersion = 1;

/** A coded concept, as DICOM uses for segment categories and types (for example SNOMED CT). */
struct CodedConcept
{
  std::string codeValue;
  std::string codingScheme; ///< for example "SCT"
  std::string codeMeaning;
};

/** One output class of a model: the label value written to the labelmap and how to display and code it. */
struct ClassInfo
{
  std::string name;
  int labelValue = 0;
  std::array<int, 3> color{ 0, 0, 0 }; ///< RGB, 0..255
  CodedConcept category;                ///< DICOM SEG Segmented Property Category
  CodedConcept type;                    ///< DICOM SEG Segmented Property Type
  CodedConcept typeModifier;            ///< DICOM SEG Segmented Property Type Modifier; empty when none
};

/**
 * Intensity normalisation applied to every image before inference, exactly as during training.
 * "zscore": (v - mean) / std over the whole image or volume, after clipping to the given percentiles.
 * "scale": v * scale + offset, for images with a fixed range such as 8-bit PNG.
 */
struct IntensityNormalization
{
  std::string method = "zscore";
  double lowerPercentile = 0.0; ///< zscore only; 0 disables clipping
  double upperPercentile = 100.0;
  double scale = 1.0; ///< scale only
  double offset = 0.0;
};

/** Everything a model file holds apart from the weights. */
struct ModelMetadata
{
  int formatVersion = ModelFileFormatVersion;
  std::string name;
  std::string description;
  NetworkConfig network;

  /** Classes in output-channel order, background first; a sigmoid model lists background and one foreground. */
  std::vector<ClassInfo> classes;

  IntensityNormalization intensity;

  /** Image axis (ITK index order: 0 = i/x, 1 = j/y, 2 = k/z) along which volumes are cut into 2D slices. */
  int sliceAxis = 2;

  /** Training patch size in pixels, [rows, columns] of a slice. */
  std::array<int64_t, 2> patchSize{ 64, 64 };

  /** Voxel spacing of the training images in millimetres, ITK index order. */
  std::vector<double> trainingSpacing;

  /**
   * Direction cosines (ITK, LPS) of the training volumes. Volumes in another orientation are permuted and
   * flipped to it before inference (and back after), so that slices look as they did in training.
   * Absent for models trained on 2D images.
   */
  std::optional<DirectionMatrix> trainingDirection;

  std::string trainingData;
  std::string trainingDataLicense;
  /** DICOM modalities (0008,0060) the model is made for, for example {"MR"}; empty when not stated. */
  std::vector<std::string> modalities;

  /** Free-form training record: command line, epochs, time. */
  nlohmann::json training = nlohmann::json::object();

  /** Validation metrics measured after training, for example Dice per class per level and mode. */
  nlohmann::json validationMetrics = nlohmann::json::object();

  /** Number of image channels the model expects (the network's input channels). */
  int64_t inputChannels() const { return network.inputChannels; }

  /** Throws std::invalid_argument naming the first inconsistent field. */
  void validate() const;
};

nlohmann::json toJson(const ModelMetadata & metadata);
ModelMetadata metadataFromJson(const nlohmann::json & json);

/** Class list from its JSON form: [{"name", "label_value", "color", "category", "type", "type_modifier"}, ...]. */
std::vector<ClassInfo> classesFromJson(const nlohmann::json & json);

/** Class list from a JSON file (see classesFromJson). Throws std::invalid_argument naming the file. */
std::vector<ClassInfo> readClassesFile(const std::string & path);

/** Raised when a model file cannot be read or is not a valid model; the message names the file. */
class ModelFileError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** A network with its metadata, as stored in one model file. */
struct Model
{
  ModelMetadata metadata;
  UNetPlusPlus network{ nullptr };
};

/**
 * Writes the metadata and the network's parameters and buffers to `path`. The file is written under a
 * temporary name in the same folder and renamed when complete, so an interrupted write never leaves a
 * partial model behind. Throws std::invalid_argument when the metadata is invalid or describes another
 * network than `network`, and ModelFileError when the file cannot be written.
 */
void saveModel(const std::string & path, const ModelMetadata & metadata, UNetPlusPlus network);

/**
 * Reads and checks a model file: magic bytes, format version, size, checksum, metadata and every tensor
 * shape. Throws ModelFileError naming the file and what is wrong. The network is returned in eval mode
 * on the CPU.
 */
Model loadModel(const std::string & path);

/**
 * Reads only the metadata of a model file, with the framing, checksum and metadata checks of loadModel.
 * Tensor shapes are not checked, so loadModel can still reject a file that this function accepts.
 */
ModelMetadata readModelMetadata(const std::string & path);

} // namespace unetpp

#include "unetpp/ModelFile.h"

#include "unetpp/AtomicFile.h"

#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

namespace unetpp
{

namespace
{

// Layout: magic (16 bytes) | format version (uint32 LE) | metadata length (uint64 LE) | metadata JSON |
// tensor data (each tensor contiguous, little endian, at the offset the metadata lists) | CRC-32 of all
// preceding bytes (uint32 LE) | end marker (8 bytes).
constexpr std::array<char, 16> FileMagic{ 'U', 'N', 'E', 'T', 'P', 'P', '-', 'M', 'O', 'D', 'E', 'L', '\n', 0, 0, 0 };
constexpr std::array<char, 8> EndMarker{ 'U', 'N', 'E', 'T', 'P', 'P', '-', 'E' };
constexpr size_t HeaderSize = FileMagic.size() + 4 + 8;
constexpr size_t FooterSize = 4 + EndMarker.size();

uint32_t
crc32(const char * data, size_t size)
{
  static const auto table = [] {
    std::array<uint32_t, 256> entries{};
    for (uint32_t byte = 0; byte < 256; ++byte)
    {
      uint32_t value = byte;
      for (int bit = 0; bit < 8; ++bit)
      {
        value = (value & 1U) ? (0xEDB88320U ^ (value >> 1)) : (value >> 1);
      }
      entries[byte] = value;
    }
    return entries;
  }();
  uint32_t crc = 0xFFFFFFFFU;
  for (size_t index = 0; index < size; ++index)
  {
    crc = table[(crc ^ static_cast<uint8_t>(data[index])) & 0xFFU] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFU;
}

template <typename T>
void
appendLittleEndian(std::string & buffer, T value)
{
  for (size_t byte = 0; byte < sizeof(T); ++byte)
  {
    buffer.push_back(static_cast<char>((static_cast<uint64_t>(value) >> (8 * byte)) & 0xFFU));
  }
}

template <typename T>
T
readLittleEndian(const char * data)
{
  uint64_t value = 0;
  for (size_t byte = 0; byte < sizeof(T); ++byte)
  {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(data[byte])) << (8 * byte);
  }
  return static_cast<T>(value);
}

std::string
dtypeName(const torch::Tensor & tensor)
{
  if (tensor.scalar_type() == torch::kFloat32)
  {
    return "float32";
  }
  if (tensor.scalar_type() == torch::kInt64)
  {
    return "int64";
  }
  throw std::invalid_argument("model tensors must be float32 or int64, got " +
                              std::string(c10::toString(tensor.scalar_type())));
}

/** Every parameter and buffer of the network by its dotted name. */
std::map<std::string, torch::Tensor>
namedState(const UNetPlusPlus & network)
{
  std::map<std::string, torch::Tensor> state;
  for (const auto & item : network->named_parameters())
  {
    state[item.key()] = item.value();
  }
  for (const auto & item : network->named_buffers())
  {
    state[item.key()] = item.value();
  }
  return state;
}

nlohmann::json
conceptToJson(const CodedConcept & concept)
{
  return { { "code_value", concept.codeValue },
           { "coding_scheme", concept.codingScheme },
           { "code_meaning", concept.codeMeaning } };
}

CodedConcept
conceptFromJson(const nlohmann::json & json)
{
  CodedConcept concept;
  concept.codeValue = json.value("code_value", "");
  concept.codingScheme = json.value("coding_scheme", "");
  concept.codeMeaning = json.value("code_meaning", "");
  return concept;
}

[[noreturn]] void
fail(const std::string & path, const std::string & problem)
{
  throw ModelFileError("invalid model file " + path + ": " + problem);
}

/** Checks the framing of a model file and returns its metadata JSON and the offset where tensor data starts. */
nlohmann::json
parseFraming(const std::string & path, const std::string & bytes, size_t & dataOffset)
{
  if (bytes.size() < FileMagic.size() || std::memcmp(bytes.data(), FileMagic.data(), FileMagic.size()) != 0)
  {
    fail(path, "not a UNet++ model file (the file does not start with the model file signature)");
  }
  if (bytes.size() < HeaderSize + FooterSize)
  {
    fail(path, "file is truncated (" + std::to_string(bytes.size()) + " bytes)");
  }
  const auto version = readLittleEndian<uint32_t>(bytes.data() + FileMagic.size());
  if (version != static_cast<uint32_t>(ModelFileFormatVersion))
  {
    fail(path, "unknown format version " + std::to_string(version) + "; this build reads version " +
                 std::to_string(ModelFileFormatVersion) + " (a newer unetpp may read it)");
  }
  const auto metadataLength = readLittleEndian<uint64_t>(bytes.data() + FileMagic.size() + 4);
  if (metadataLength > bytes.size() - HeaderSize - FooterSize)
  {
    fail(path, "file is truncated: the metadata alone needs " + std::to_string(metadataLength) + " bytes");
  }
  if (std::memcmp(bytes.data() + bytes.size() - EndMarker.size(), EndMarker.data(), EndMarker.size()) != 0)
  {
    fail(path, "file is truncated or damaged: the end marker is missing");
  }
  const size_t checkedSize = bytes.size() - FooterSize;
  const auto storedCrc = readLittleEndian<uint32_t>(bytes.data() + checkedSize);
  if (crc32(bytes.data(), checkedSize) != storedCrc)
  {
    fail(path, "checksum mismatch: the file is damaged");
  }

  dataOffset = HeaderSize + metadataLength;
  try
  {
    return nlohmann::json::parse(bytes.begin() + static_cast<std::ptrdiff_t>(HeaderSize),
                                 bytes.begin() + static_cast<std::ptrdiff_t>(dataOffset));
  }
  catch (const nlohmann::json::exception & error)
  {
    fail(path, std::string("metadata is not valid JSON: ") + error.what());
  }
}

std::string
readWholeFile(const std::string & path)
{
  std::ifstream stream(path, std::ios::binary);
  if (!stream)
  {
    throw ModelFileError("cannot open model file " + path + ": " + std::strerror(errno));
  }
  return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

ModelMetadata
checkedMetadata(const std::string & path, const nlohmann::json & json)
{
  try
  {
    ModelMetadata metadata = metadataFromJson(json.at("metadata"));
    metadata.validate();
    return metadata;
  }
  catch (const nlohmann::json::exception & error)
  {
    fail(path, std::string("metadata is incomplete: ") + error.what());
  }
  catch (const std::invalid_argument & error)
  {
    fail(path, std::string("metadata is inconsistent: ") + error.what());
  }
}

} // namespace

void
ModelMetadata::validate() const
{
  network.validate();
  if (formatVersion != ModelFileFormatVersion)
  {
    throw std::invalid_argument("format version " + std::to_string(formatVersion) + " is not supported");
  }
  const size_t expectedClasses = network.outputChannels == 1 ? 2 : static_cast<size_t>(network.outputChannels);
  if (classes.size() != expectedClasses)
  {
    throw std::invalid_argument(std::to_string(network.outputChannels) + " output channels need " +
                                std::to_string(expectedClasses) + " classes (background included), got " +
                                std::to_string(classes.size()));
  }
  if (intensity.method != "zscore" && intensity.method != "scale")
  {
    throw std::invalid_argument("unknown intensity normalization '" + intensity.method + "': expected zscore or scale");
  }
  if (sliceAxis < 0 || sliceAxis > 2)
  {
    throw std::invalid_argument("slice axis must be 0, 1 or 2, got " + std::to_string(sliceAxis));
  }
  for (const int64_t size : patchSize)
  {
    if (size < 1 || size % network.sizeDivisor() != 0)
    {
      throw std::invalid_argument("patch size " + std::to_string(size) + " is not a positive multiple of " +
                                  std::to_string(network.sizeDivisor()));
    }
  }
}

nlohmann::json
toJson(const ModelMetadata & metadata)
{
  nlohmann::json classes = nlohmann::json::array();
  for (const auto & info : metadata.classes)
  {
    classes.push_back({ { "name", info.name },
                        { "label_value", info.labelValue },
                        { "color", info.color },
                        { "category", conceptToJson(info.category) },
                        { "type", conceptToJson(info.type) },
                        { "type_modifier", conceptToJson(info.typeModifier) } });
  }
  const auto & network = metadata.network;
  return {
    { "format_version", metadata.formatVersion },
    { "name", metadata.name },
    { "description", metadata.description },
    { "network",
      { { "architecture", toString(network.architecture) },
        { "input_channels", network.inputChannels },
        { "output_channels", network.outputChannels },
        { "filters", network.filters },
        { "normalization", toString(network.normalization) },
        { "deep_supervision", network.deepSupervision } } },
    { "classes", classes },
    { "intensity",
      { { "method", metadata.intensity.method },
        { "lower_percentile", metadata.intensity.lowerPercentile },
        { "upper_percentile", metadata.intensity.upperPercentile },
        { "scale", metadata.intensity.scale },
        { "offset", metadata.intensity.offset } } },
    { "slice_axis", metadata.sliceAxis },
    { "patch_size", metadata.patchSize },
    { "training_spacing", metadata.trainingSpacing },
    { "training_direction", metadata.trainingDirection ? nlohmann::json(*metadata.trainingDirection) : nlohmann::json() },
    { "training_data", metadata.trainingData },
    { "training_data_license", metadata.trainingDataLicense },
    { "modalities", metadata.modalities },
    { "training", metadata.training },
    { "validation_metrics", metadata.validationMetrics },
  };
}

std::vector<ClassInfo>
classesFromJson(const nlohmann::json & json)
{
  std::vector<ClassInfo> classes;
  for (const auto & entry : json)
  {
    ClassInfo info;
    info.name = entry.at("name").get<std::string>();
    info.labelValue = entry.at("label_value").get<int>();
    info.color = entry.value("color", std::array<int, 3>{ 0, 0, 0 });
    info.category = conceptFromJson(entry.value("category", nlohmann::json::object()));
    info.type = conceptFromJson(entry.value("type", nlohmann::json::object()));
    info.typeModifier = conceptFromJson(entry.value("type_modifier", nlohmann::json::object()));
    classes.push_back(info);
  }
  return classes;
}

std::vector<ClassInfo>
readClassesFile(const std::string & path)
{
  std::ifstream stream(path);
  if (!stream)
  {
    throw std::invalid_argument("cannot open class list " + path);
  }
  try
  {
    return classesFromJson(nlohmann::json::parse(stream));
  }
  catch (const nlohmann::json::exception & error)
  {
    throw std::invalid_argument("class list " + path + " is not a valid JSON class list: " + error.what());
  }
}

ModelMetadata
metadataFromJson(const nlohmann::json & json)
{
  ModelMetadata metadata;
  metadata.formatVersion = json.at("format_version").get<int>();
  metadata.name = json.value("name", "");
  metadata.description = json.value("description", "");

  const auto & network = json.at("network");
  metadata.network.architecture = architectureFromString(network.at("architecture").get<std::string>());
  metadata.network.inputChannels = network.at("input_channels").get<int64_t>();
  metadata.network.outputChannels = network.at("output_channels").get<int64_t>();
  metadata.network.filters = network.at("filters").get<std::vector<int64_t>>();
  metadata.network.normalization = normalizationFromString(network.at("normalization").get<std::string>());
  metadata.network.deepSupervision = network.at("deep_supervision").get<bool>();

  metadata.classes = classesFromJson(json.at("classes"));

  const auto & intensity = json.at("intensity");
  metadata.intensity.method = intensity.at("method").get<std::string>();
  metadata.intensity.lowerPercentile = intensity.value("lower_percentile", 0.0);
  metadata.intensity.upperPercentile = intensity.value("upper_percentile", 100.0);
  metadata.intensity.scale = intensity.value("scale", 1.0);
  metadata.intensity.offset = intensity.value("offset", 0.0);

  metadata.sliceAxis = json.at("slice_axis").get<int>();
  metadata.patchSize = json.at("patch_size").get<std::array<int64_t, 2>>();
  metadata.trainingSpacing = json.value("training_spacing", std::vector<double>{});
  if (json.contains("training_direction") && !json.at("training_direction").is_null())
  {
    metadata.trainingDirection = json.at("training_direction").get<DirectionMatrix>();
  }
  metadata.trainingData = json.value("training_data", "");
  metadata.trainingDataLicense = json.value("training_data_license", "");
  metadata.modalities = json.value("modalities", std::vector<std::string>{});
  metadata.training = json.value("training", nlohmann::json::object());
  metadata.validationMetrics = json.value("validation_metrics", nlohmann::json::object());
  return metadata;
}

void
saveModel(const std::string & path, const ModelMetadata & metadata, UNetPlusPlus network)
{
  metadata.validate();
  ModelMetadata written = metadata;
  written.network = network->config();
  if (toJson(written).at("network") != toJson(metadata).at("network"))
  {
    // loadModel builds the network from the metadata, so it would reject these weights.
    throw std::invalid_argument("cannot save model " + path + ": the network was built with " +
                                toJson(written).at("network").dump() + " but the metadata describes " +
                                toJson(metadata).at("network").dump() + "; build the network from metadata.network");
  }

  nlohmann::json tensorIndex = nlohmann::json::array();
  std::string data;
  for (const auto & [name, value] : namedState(network))
  {
    const torch::Tensor tensor = value.detach().to(torch::kCPU).contiguous();
    const auto byteCount = static_cast<size_t>(tensor.numel()) * tensor.element_size();
    tensorIndex.push_back(
      { { "name", name }, { "dtype", dtypeName(tensor) }, { "shape", tensor.sizes().vec() }, { "offset", data.size() } });
    // LibTorch stores tensors in the host's byte order; this format is little endian, as are x86-64 and ARM64.
    data.append(static_cast<const char *>(tensor.data_ptr()), byteCount);
  }

  const std::string metadataText = nlohmann::json{ { "metadata", toJson(metadata) }, { "tensors", tensorIndex } }.dump(1);
  std::string bytes(FileMagic.data(), FileMagic.size());
  appendLittleEndian<uint32_t>(bytes, static_cast<uint32_t>(ModelFileFormatVersion));
  appendLittleEndian<uint64_t>(bytes, metadataText.size());
  bytes += metadataText;
  bytes += data;
  appendLittleEndian<uint32_t>(bytes, crc32(bytes.data(), bytes.size()));
  bytes.append(EndMarker.data(), EndMarker.size());

  ScopedTemporaryFile temporary(path);
  {
    std::ofstream stream(temporary.path(), std::ios::binary | std::ios::trunc);
    stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    stream.close();
    if (!stream)
    {
      throw ModelFileError("cannot write model file " + path + ": " + std::strerror(errno));
    }
  }
  temporary.commit();
}

ModelMetadata
readModelMetadata(const std::string & path)
{
  const std::string bytes = readWholeFile(path);
  size_t dataOffset = 0;
  return checkedMetadata(path, parseFraming(path, bytes, dataOffset));
}

Model
loadModel(const std::string & path)
{
  const std::string bytes = readWholeFile(path);
  size_t dataOffset = 0;
  const nlohmann::json json = parseFraming(path, bytes, dataOffset);

  Model model;
  model.metadata = checkedMetadata(path, json);
  model.network = UNetPlusPlus(model.metadata.network);

  auto state = namedState(model.network);
  const size_t dataSize = bytes.size() - FooterSize - dataOffset;
  size_t restored = 0;
  torch::NoGradGuard noGrad;
  try
  {
    for (const auto & entry : json.at("tensors"))
    {
      const auto name = entry.at("name").get<std::string>();
      const auto shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto offset = entry.at("offset").get<size_t>();
      const auto found = state.find(name);
      if (found == state.end())
      {
        fail(path, "tensor '" + name + "' does not belong to a " + toString(model.metadata.network.architecture) +
                     " network with these settings");
      }
      torch::Tensor & target = found->second;
      if (target.sizes().vec() != shape || dtypeName(target) != entry.at("dtype").get<std::string>())
      {
        fail(path, "tensor '" + name + "' has shape " + c10::str(c10::IntArrayRef(shape)) + " but the network needs " +
                     c10::str(target.sizes()));
      }
      const auto byteCount = static_cast<size_t>(target.numel()) * target.element_size();
      if (offset > dataSize || byteCount > dataSize - offset)
      {
        fail(path, "tensor '" + name + "' lies outside the file's data section");
      }
      std::memcpy(target.data_ptr(), bytes.data() + dataOffset + offset, byteCount);
      ++restored;
    }
  }
  catch (const nlohmann::json::exception & error)
  {
    fail(path, std::string("tensor index is incomplete: ") + error.what());
  }
  if (restored != state.size())
  {
    fail(path, "the file holds " + std::to_string(restored) + " of the network's " + std::to_string(state.size()) +
                 " tensors");
  }
  model.network->eval();
  return model;
}

} // namespace unetpp

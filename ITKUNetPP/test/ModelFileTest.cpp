#include "TestModels.h"

#include "unetpp/ModelFile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include <unistd.h>

using unetpp::Model;
using unetpp::ModelFileError;
using unetpp::ModelMetadata;
using unetpp::NormalizationLayer;
using unetpp::UNetPlusPlus;

namespace
{

namespace fs = std::filesystem;

// The model file layout, as ModelFile.cpp defines it, with integers in little endian: a 16-byte signature,
// the format version (uint32) and the metadata length (uint64). The metadata JSON and the tensor data follow.
// The file ends with a CRC-32 of every preceding byte (uint32) and an 8-byte end marker. The tests patch
// files at these offsets.
constexpr size_t SignatureSize = 16;
constexpr size_t VersionOffset = SignatureSize;
constexpr size_t MetadataLengthOffset = VersionOffset + 4;
constexpr size_t MetadataOffset = MetadataLengthOffset + 8;
constexpr size_t FooterSize = 4 + 8;

std::string
readBytes(const fs::path & path)
{
  std::ifstream stream(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

void
writeBytes(const fs::path & path, const std::string & bytes)
{
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

uint64_t
readLittleEndian(const std::string & bytes, size_t offset, size_t width)
{
  uint64_t value = 0;
  for (size_t byte = 0; byte < width; ++byte)
  {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[offset + byte])) << (8 * byte);
  }
  return value;
}

void
writeLittleEndian(std::string & bytes, size_t offset, size_t width, uint64_t value)
{
  for (size_t byte = 0; byte < width; ++byte)
  {
    bytes[offset + byte] = static_cast<char>((value >> (8 * byte)) & 0xFFU);
  }
}

/** CRC-32 as zip and PNG define it (reflected polynomial 0xEDB88320), written here independently of the library. */
uint32_t
referenceCrc32(const std::string & bytes, size_t size)
{
  uint32_t crc = 0xFFFFFFFFU;
  for (size_t index = 0; index < size; ++index)
  {
    crc ^= static_cast<uint8_t>(bytes[index]);
    for (int bit = 0; bit < 8; ++bit)
    {
      crc = (crc & 1U) ? (crc >> 1) ^ 0xEDB88320U : crc >> 1;
    }
  }
  return ~crc;
}

/**
 * Replaces the metadata JSON of a model file and writes a matching length and checksum, so that the file
 * passes every framing check and only the metadata itself can be at fault.
 */
std::string
withMetadata(const std::string & bytes, const nlohmann::json & metadata)
{
  const size_t oldLength = readLittleEndian(bytes, MetadataLengthOffset, 8);
  const std::string newText = metadata.dump(1);
  std::string result = bytes.substr(0, MetadataOffset) + newText +
                       bytes.substr(MetadataOffset + oldLength, bytes.size() - MetadataOffset - oldLength - FooterSize);
  writeLittleEndian(result, MetadataLengthOffset, 8, newText.size());
  const uint32_t crc = referenceCrc32(result, result.size());
  result += std::string(4, '\0');
  writeLittleEndian(result, result.size() - 4, 4, crc);
  return result + bytes.substr(bytes.size() - 8);
}

nlohmann::json
metadataJsonOf(const std::string & bytes)
{
  const size_t length = readLittleEndian(bytes, MetadataLengthOffset, 8);
  return nlohmann::json::parse(bytes.substr(MetadataOffset, length));
}

/**
 * Metadata with every field set away from its default: two input channels, three classes with colours
 * and coded concepts, z-score normalisation with percentile clipping, batch normalisation layers.
 */
ModelMetadata
completeMetadata()
{
  ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 7, 9 }, NormalizationLayer::Batch);
  metadata.name = "Hippocampus test";
  metadata.description = "Anterior and posterior hippocampus, made by the model file tests";
  metadata.network.inputChannels = 2;
  metadata.classes[1].name = "anterior";
  metadata.classes[1].color = { 230, 80, 40 };
  metadata.classes[1].category = { "91723000", "SCT", "Anatomical Structure" };
  metadata.classes[1].type = { "5001000", "SCT", "Hippocampus" };
  metadata.classes[2].color = { 20, 120, 250 };
  metadata.intensity.method = "zscore";
  metadata.intensity.lowerPercentile = 0.5;
  metadata.intensity.upperPercentile = 99.5;
  metadata.sliceAxis = 1;
  metadata.patchSize = { 48, 64 };
  metadata.trainingSpacing = { 1.0, 1.0, 1.5 };
  metadata.trainingData = "synthetic";
  metadata.trainingDataLicense = "CC0-1.0";
  metadata.training = { { "epochs", 3 }, { "command", "unetpp train --epochs 3" } };
  metadata.validationMetrics = { { "dice", { { "anterior", 0.81 }, { "class 9", 0.77 } } } };
  return metadata;
}

/**
 * A network for completeMetadata() whose batch normalisation running statistics have moved away from their
 * initial values (mean 0, variance 1), so that a file that lost its buffers predicts differently.
 */
UNetPlusPlus
networkWithTrainedStatistics(const ModelMetadata & metadata)
{
  torch::manual_seed(21);
  UNetPlusPlus network(metadata.network);
  network->train();
  torch::NoGradGuard noGrad;
  for (int step = 0; step < 3; ++step)
  {
    network->forwardHeads(torch::randn({ 4, 2, 16, 16 }) * 3.0 + 2.0, 2);
  }
  network->eval();
  return network;
}

std::map<std::string, torch::Tensor>
stateOf(const UNetPlusPlus & network)
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

std::set<std::string>
entriesOf(const fs::path & folder)
{
  std::set<std::string> names;
  for (const auto & entry : fs::directory_iterator(folder))
  {
    names.insert(entry.path().filename().string());
  }
  return names;
}

class ModelFile : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    const auto * info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_Folder = fs::temp_directory_path() /
               ("unetpp-model-file-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(m_Folder);
    fs::create_directories(m_Folder);
  }

  void
  TearDown() override
  {
    fs::remove_all(m_Folder);
  }

  /** Saves a small valid model and returns its path. */
  fs::path
  savedSmallModel()
  {
    const ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
    const fs::path path = m_Folder / "small.unetpp";
    unetpp::saveModel(path.string(), metadata, unetpp::test::randomModel(metadata, 5).network);
    return path;
  }

  /**
   * Asserts that loadModel rejects `path` with a message naming it and `problem`. Asserts the same of
   * readModelMetadata unless `tensorProblem` is set, because only loading the weights finds tensor problems.
   */
  static void
  expectRejected(const fs::path & path, const std::string & problem, bool tensorProblem = false)
  {
    for (const bool metadataOnly : { false, true })
    {
      if (metadataOnly && tensorProblem)
      {
        continue;
      }
      try
      {
        if (metadataOnly)
        {
          unetpp::readModelMetadata(path.string());
        }
        else
        {
          unetpp::loadModel(path.string());
        }
        ADD_FAILURE() << (metadataOnly ? "readModelMetadata" : "loadModel") << " accepted " << path;
      }
      catch (const ModelFileError & error)
      {
        const std::string message = error.what();
        EXPECT_NE(message.find(path.string()), std::string::npos) << "message does not name the file: " << message;
        EXPECT_NE(message.find(problem), std::string::npos) << "message does not say '" << problem << "': " << message;
      }
    }
  }

  fs::path m_Folder;
};

} // namespace

TEST(ModelFileLayout, ReferenceCrcMatchesStandardCheckValue)
{
  // The CRC-32 check value of the ASCII string "123456789" is 0xCBF43926 for this polynomial. This validates
  // the checksum that the tests below write into patched files.
  EXPECT_EQ(referenceCrc32("123456789", 9), 0xCBF43926U);
}

TEST_F(ModelFile, RoundTripKeepsMetadata)
{
  const ModelMetadata metadata = completeMetadata();
  const fs::path path = m_Folder / "complete.unetpp";
  unetpp::saveModel(path.string(), metadata, networkWithTrainedStatistics(metadata));

  for (const ModelMetadata & loaded : { unetpp::loadModel(path.string()).metadata, unetpp::readModelMetadata(path.string()) })
  {
    EXPECT_EQ(unetpp::toJson(loaded), unetpp::toJson(metadata));
    EXPECT_EQ(loaded.name, "Hippocampus test");
    EXPECT_EQ(loaded.network.inputChannels, 2);
    EXPECT_EQ(loaded.network.outputChannels, 3);
    EXPECT_EQ(loaded.network.filters, (std::vector<int64_t>{ 8, 16, 32 }));
    EXPECT_EQ(loaded.network.normalization, NormalizationLayer::Batch);
    ASSERT_EQ(loaded.classes.size(), 3U);
    EXPECT_EQ(loaded.classes[2].labelValue, 9);
    EXPECT_EQ(loaded.classes[1].color, (std::array<int, 3>{ 230, 80, 40 }));
    EXPECT_EQ(loaded.classes[1].type.codeMeaning, "Hippocampus");
    EXPECT_EQ(loaded.classes[1].category.codeValue, "91723000");
    EXPECT_EQ(loaded.intensity.method, "zscore");
    EXPECT_DOUBLE_EQ(loaded.intensity.upperPercentile, 99.5);
    EXPECT_EQ(loaded.sliceAxis, 1);
    EXPECT_EQ(loaded.patchSize, (std::array<int64_t, 2>{ 48, 64 }));
    EXPECT_EQ(loaded.trainingSpacing, (std::vector<double>{ 1.0, 1.0, 1.5 }));
    EXPECT_EQ(loaded.trainingDataLicense, "CC0-1.0");
    EXPECT_EQ(loaded.training.at("epochs"), 3);
    EXPECT_DOUBLE_EQ(loaded.validationMetrics.at("dice").at("anterior").get<double>(), 0.81);
  }
}

TEST_F(ModelFile, RoundTripKeepsEveryTensor)
{
  const ModelMetadata metadata = completeMetadata();
  UNetPlusPlus original = networkWithTrainedStatistics(metadata);
  const fs::path path = m_Folder / "complete.unetpp";
  unetpp::saveModel(path.string(), metadata, original);

  Model loaded = unetpp::loadModel(path.string());
  EXPECT_FALSE(loaded.network->is_training()) << "loadModel returns the network in eval mode";

  const auto expected = stateOf(original);
  const auto actual = stateOf(loaded.network);
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto & [name, tensor] : expected)
  {
    const auto found = actual.find(name);
    ASSERT_NE(found, actual.end()) << name << " is missing after loading";
    EXPECT_EQ(found->second.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(found->second, tensor)) << name << " differs after loading";
  }

  // The batch counter of batch normalisation is an int64 buffer; three training forward passes set it to 3.
  EXPECT_EQ(actual.at("x0_0.layers.1.num_batches_tracked").item<int64_t>(), 3);
}

TEST_F(ModelFile, RoundTripKeepsPredictions)
{
  const ModelMetadata metadata = completeMetadata();
  UNetPlusPlus original = networkWithTrainedStatistics(metadata);
  const fs::path path = m_Folder / "complete.unetpp";
  unetpp::saveModel(path.string(), metadata, original);
  Model loaded = unetpp::loadModel(path.string());

  torch::NoGradGuard noGrad;
  const torch::Tensor input = torch::randn({ 2, 2, 24, 20 });
  const torch::Tensor expected = original->predict(input, 2, unetpp::InferenceMode::Accurate);
  EXPECT_TRUE(torch::equal(loaded.network->predict(input, 2, unetpp::InferenceMode::Accurate), expected));

  // The comparison is sensitive to the buffers: the same parameters with fresh running statistics
  // (mean 0, variance 1) predict something else, so a file that dropped its buffers would fail above.
  UNetPlusPlus freshStatistics(metadata.network);
  freshStatistics->eval();
  for (auto & item : freshStatistics->named_parameters())
  {
    item.value().copy_(stateOf(original).at(item.key()));
  }
  const torch::Tensor withoutBuffers = freshStatistics->predict(input, 2, unetpp::InferenceMode::Accurate);
  EXPECT_GT((withoutBuffers - expected).abs().max().item<double>(), 1e-3);
}

TEST_F(ModelFile, TruncatedFileIsRejected)
{
  const fs::path path = savedSmallModel();
  const std::string bytes = readBytes(path);
  const size_t metadataLength = readLittleEndian(bytes, MetadataLengthOffset, 8);
  const size_t dataOffset = MetadataOffset + metadataLength;
  ASSERT_GT(bytes.size(), dataOffset + FooterSize + 1000) << "the model needs a tensor data section to cut into";

  // Each cut names its section and the expected message. A file cut inside the signature cannot be
  // distinguished from another format, but after the signature the reader detects that the file ends early.
  const std::vector<std::tuple<std::string, size_t, std::string>> cuts{
    { "signature", SignatureSize / 2, "not a UNet++ model file" },
    { "format version", VersionOffset + 2, "truncated" },
    { "metadata length", MetadataLengthOffset + 3, "truncated" },
    { "metadata", MetadataOffset + metadataLength / 2, "truncated" },
    { "tensor data", dataOffset + 1000, "truncated" },
    { "checksum", bytes.size() - FooterSize + 2, "truncated" },
    { "end marker", bytes.size() - 3, "truncated" },
    { "last byte", bytes.size() - 1, "truncated" },
  };
  for (const auto & [section, size, problem] : cuts)
  {
    SCOPED_TRACE("cut inside the " + section + " at byte " + std::to_string(size));
    const fs::path truncated = m_Folder / ("cut-" + std::to_string(size) + ".unetpp");
    writeBytes(truncated, bytes.substr(0, size));
    expectRejected(truncated, problem);
  }
}

TEST_F(ModelFile, FileThatIsNotAModelIsRejected)
{
  std::mt19937 generator(17);
  std::string randomBytes(4096, '\0');
  for (char & byte : randomBytes)
  {
    byte = static_cast<char>(generator() & 0xFFU);
  }
  // A PNG signature followed by the start of an IHDR chunk, as an image a user might pass by mistake.
  const std::string pngHeader("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x40\0\0\0\x40\x08\x02\0\0\0", 33);

  const std::vector<std::pair<std::string, std::string>> files{
    { "random.unetpp", randomBytes },
    { "empty.unetpp", "" },
    { "image.png", pngHeader + std::string(200, '\0') },
  };
  for (const auto & [name, content] : files)
  {
    SCOPED_TRACE(name);
    writeBytes(m_Folder / name, content);
    expectRejected(m_Folder / name, "not a UNet++ model file");
  }
}

TEST_F(ModelFile, MissingFileIsRejected)
{
  expectRejected(m_Folder / "absent.unetpp", "cannot open");
}

TEST_F(ModelFile, UnknownFormatVersionIsReportedBeforeChecksum)
{
  // Only the version field changes, so the stored checksum no longer matches either. The version check
  // must report first: a file from a newer release is intact, and the user needs to hear "upgrade",
  // not "the file is damaged".
  const fs::path path = savedSmallModel();
  std::string bytes = readBytes(path);
  ASSERT_EQ(readLittleEndian(bytes, VersionOffset, 4), static_cast<uint64_t>(unetpp::ModelFileFormatVersion));
  writeLittleEndian(bytes, VersionOffset, 4, unetpp::ModelFileFormatVersion + 1);
  writeBytes(path, bytes);

  expectRejected(path, "unknown format version " + std::to_string(unetpp::ModelFileFormatVersion + 1));
}

TEST_F(ModelFile, DamagedByteFailsChecksum)
{
  const fs::path path = savedSmallModel();
  const std::string bytes = readBytes(path);
  const size_t metadataLength = readLittleEndian(bytes, MetadataLengthOffset, 8);

  // One byte in the middle of the file (tensor data) and one inside the metadata JSON; flipping the low
  // bit of a JSON letter keeps it a letter, so only the checksum can catch it.
  const size_t metadataByte = MetadataOffset + bytes.substr(MetadataOffset, metadataLength).find("small test model");
  for (const size_t position : { bytes.size() / 2, metadataByte })
  {
    SCOPED_TRACE("byte " + std::to_string(position));
    std::string damaged = bytes;
    damaged[position] = static_cast<char>(damaged[position] ^ 0x01);
    const fs::path damagedPath = m_Folder / ("damaged-" + std::to_string(position) + ".unetpp");
    writeBytes(damagedPath, damaged);
    expectRejected(damagedPath, "checksum mismatch");
  }
}

TEST_F(ModelFile, PatchedFileWithValidChecksumLoads)
{
  // Rewriting the metadata unchanged must give a loadable file. This shows that withMetadata() writes a
  // correct length and checksum, so the rejections in the next test come from the metadata alone.
  const fs::path path = savedSmallModel();
  const std::string bytes = readBytes(path);
  writeBytes(path, withMetadata(bytes, metadataJsonOf(bytes)));
  EXPECT_NO_THROW(unetpp::loadModel(path.string()));
}

TEST_F(ModelFile, MetadataInconsistentWithWeightsIsRejected)
{
  const fs::path path = savedSmallModel();
  const std::string bytes = readBytes(path);

  // Narrower filters: every tensor name exists, but the weights have other shapes. Only loading the
  // weights can find this, so readModelMetadata still accepts the file.
  nlohmann::json narrower = metadataJsonOf(bytes);
  narrower["metadata"]["network"]["filters"] = { 4, 8, 16 };
  writeBytes(path, withMetadata(bytes, narrower));
  expectRejected(path, "has shape", true);
  EXPECT_NO_THROW(unetpp::readModelMetadata(path.string()));

  // One level less: the file contains tensors (level 2 nodes) that the network does not have.
  nlohmann::json shallower = metadataJsonOf(bytes);
  shallower["metadata"]["network"]["filters"] = { 8, 16 };
  writeBytes(path, withMetadata(bytes, shallower));
  expectRejected(path, "does not belong", true);

  // Three output channels need three classes but the file lists two, which the metadata check reports.
  nlohmann::json moreOutputs = metadataJsonOf(bytes);
  moreOutputs["metadata"]["network"]["output_channels"] = 3;
  writeBytes(path, withMetadata(bytes, moreOutputs));
  expectRejected(path, "metadata is inconsistent");
}

TEST_F(ModelFile, SaveRejectsNetworkThatDoesNotMatchMetadata)
{
  ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
  ModelMetadata other = metadata;
  other.network.filters = { 4, 8, 16 };
  const fs::path path = m_Folder / "mismatch.unetpp";

  EXPECT_THROW(unetpp::saveModel(path.string(), metadata, UNetPlusPlus(other.network)), std::invalid_argument);
  EXPECT_TRUE(entriesOf(m_Folder).empty()) << "a rejected save leaves no file behind";
}

TEST_F(ModelFile, SaveLeavesNoTemporaryFile)
{
  const fs::path path = savedSmallModel();
  EXPECT_EQ(entriesOf(m_Folder), (std::set<std::string>{ path.filename().string() }));

  // Saving again over the same path replaces the file, still without leftovers.
  const ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
  unetpp::saveModel(path.string(), metadata, unetpp::test::randomModel(metadata, 6).network);
  EXPECT_EQ(entriesOf(m_Folder), (std::set<std::string>{ path.filename().string() }));
  EXPECT_NO_THROW(unetpp::loadModel(path.string()));
}

TEST_F(ModelFile, SaveToMissingFolderThrowsAndLeavesNothing)
{
  const ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
  const fs::path missingFolder = m_Folder / "missing";
  const fs::path path = missingFolder / "model.unetpp";

  try
  {
    unetpp::saveModel(path.string(), metadata, unetpp::test::randomModel(metadata, 5).network);
    ADD_FAILURE() << "saveModel wrote into a folder that does not exist";
  }
  catch (const ModelFileError & error)
  {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
  EXPECT_FALSE(fs::exists(missingFolder));
  EXPECT_TRUE(entriesOf(m_Folder).empty());
}

TEST_F(ModelFile, SaveOntoFolderThrowsAndRemovesTemporaryFile)
{
  // The temporary file is written completely and only the final rename fails, because the target is a
  // folder; the temporary file must not stay behind.
  const ModelMetadata metadata = unetpp::test::smallModelMetadata({ 0, 1 });
  const fs::path target = m_Folder / "occupied";
  fs::create_directory(target);

  EXPECT_THROW(unetpp::saveModel(target.string(), metadata, unetpp::test::randomModel(metadata, 5).network),
               std::runtime_error);
  EXPECT_EQ(entriesOf(m_Folder), (std::set<std::string>{ "occupied" }));
  EXPECT_TRUE(fs::is_empty(target));
}

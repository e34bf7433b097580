// The UNetPlusPlusSegmentation CLI module as 3D Slicer uses it: its --xml description, a run with the
// command line Slicer builds from that description on a real hippocampus MRI volume, and the errors a user
// can cause.

#include "ProgramRunner.h"
#include "SlicerCommandLine.h"

#include "unetpp/ModelFile.h"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageRegionConstIterator.h>
#include <itkImageRegionIterator.h>
#include <itkVectorImage.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace
{

namespace fs = std::filesystem;
using unetpp::testing::findParameter;
using unetpp::testing::makeTemporaryFolder;
using unetpp::testing::ModuleParameter;
using unetpp::testing::readModuleParameters;
using unetpp::testing::readTextFile;
using unetpp::testing::runProgram;
using unetpp::testing::slicerCommandLine;

using FloatImage = itk::Image<float, 3>;
using LabelImage = itk::Image<short, 3>;
using VectorImage = itk::VectorImage<float, 3>;

const std::string ModuleExecutable = UNETPP_CLI_MODULE_EXECUTABLE;
const std::string HippocampusCase = std::string(UNETPP_SHARED_DATA_DIR) + "/hippocampus/imagesTr/hippocampus_001.nii.gz";

template <typename ImageType>
typename ImageType::Pointer
readImage(const std::string & path)
{
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

template <typename ImageType>
void
writeImage(const ImageType * image, const std::string & path)
{
  auto writer = itk::ImageFileWriter<ImageType>::New();
  writer->SetInput(image);
  writer->SetFileName(path);
  writer->Update();
}

/** A small volume with a gradient. The error cases only need a volume that the module can read. */
FloatImage::Pointer
makeSmallVolume()
{
  auto image = FloatImage::New();
  FloatImage::SizeType size{ { 16, 16, 4 } };
  image->SetRegions(size);
  image->Allocate();
  itk::ImageRegionIterator<FloatImage> it(image, image->GetLargestPossibleRegion());
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    it.Set(static_cast<float>(it.GetIndex()[0] + 2 * it.GetIndex()[1]));
  }
  return image;
}

std::vector<double>
progressValues(const std::string & standardOutput)
{
  std::vector<double> values;
  const std::regex progress("<filter-progress>([^<]*)</filter-progress>");
  for (auto it = std::sregex_iterator(standardOutput.begin(), standardOutput.end(), progress);
       it != std::sregex_iterator();
       ++it)
  {
    values.push_back(std::stod((*it)[1].str()));
  }
  return values;
}

/** "name = value" lines of a return parameter file. */
std::map<std::string, std::string>
readReturnParameters(const std::string & path)
{
  std::map<std::string, std::string> parameters;
  const std::regex line("^\\s*([^=\\s]+)\\s*=\\s*(.*?)\\s*$");
  std::istringstream content(readTextFile(path));
  std::string text;
  while (std::getline(content, text))
  {
    std::smatch match;
    if (std::regex_match(text, match, line))
    {
      parameters[match[1].str()] = match[2].str();
    }
  }
  return parameters;
}

std::vector<std::string>
splitAtCommas(const std::string & text)
{
  std::vector<std::string> parts;
  std::istringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ','))
  {
    parts.push_back(part);
  }
  return parts;
}

class SlicerCliModule : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    m_Folder = makeTemporaryFolder("unetpp-slicer-cli");
  }

  void
  TearDown() override
  {
    fs::remove_all(m_Folder);
  }

  std::string
  path(const std::string & name) const
  {
    return m_Folder + "/" + name;
  }

  std::vector<ModuleParameter>
  moduleParameters() const
  {
    return readModuleParameters(runProgram(ModuleExecutable, { "--xml" }).standardOutput);
  }

  /** Runs the module and checks that it failed with a message that contains `expectedText`. */
  void
  expectFailure(const std::vector<std::string> & arguments, const std::string & expectedText) const
  {
    const auto result = runProgram(ModuleExecutable, arguments);
    EXPECT_NE(result.exitStatus, 0) << "the module accepted invalid arguments; output:\n" << result.standardOutput;
    EXPECT_NE(result.standardError.find(expectedText), std::string::npos)
      << "standard error does not mention '" << expectedText << "':\n" << result.standardError;
  }

  std::string m_Folder;
};

TEST_F(SlicerCliModule, XmlOptionPrintsDescription)
{
  const auto result = runProgram(ModuleExecutable, { "--xml" });

  EXPECT_EQ(result.exitStatus, 0) << result.standardError;
  EXPECT_EQ(result.standardOutput.rfind("<?xml", 0), 0u) << "Slicer reads the description from the first byte";
  EXPECT_NE(result.standardOutput.find("<executable>"), std::string::npos);
  EXPECT_NE(result.standardOutput.find("</executable>"), std::string::npos);
}

TEST_F(SlicerCliModule, XmlValidatesAgainstSchema)
{
  const std::string xmllint = UNETPP_XMLLINT_EXECUTABLE;
  if (xmllint.empty())
  {
    GTEST_SKIP() << "xmllint not found: install libxml2-utils (scripts/install-dependencies.sh) and reconfigure";
  }
  const std::string description = path("UNetPlusPlusSegmentation.xml");
  std::ofstream(description) << runProgram(ModuleExecutable, { "--xml" }).standardOutput;

  const auto result = runProgram(xmllint, { "--noout", "--schema", UNETPP_MODULE_SCHEMA, description });

  EXPECT_EQ(result.exitStatus, 0) << result.standardError;
}

TEST_F(SlicerCliModule, DescriptionDeclaresParameters)
{
  const auto parameters = moduleParameters();

  // Slicer passes required volumes as index arguments and optional ones with flags.
  const auto & input = findParameter(parameters, "inputVolume");
  EXPECT_EQ(input.tag, "image");
  EXPECT_EQ(input.channel, "input");
  EXPECT_EQ(input.index, 0);
  const auto & labelmap = findParameter(parameters, "outputLabelmap");
  EXPECT_EQ(labelmap.type, "label");
  EXPECT_EQ(labelmap.channel, "output");
  EXPECT_EQ(labelmap.index, 1);
  const auto & probabilities = findParameter(parameters, "probabilityVolume");
  EXPECT_EQ(probabilities.channel, "output");
  EXPECT_FALSE(probabilities.index);
  EXPECT_FALSE(probabilities.longFlag.empty());

  const auto & model = findParameter(parameters, "modelFile");
  EXPECT_EQ(model.tag, "file");
  EXPECT_EQ(model.defaultValue, "") << "an empty model file selects the bundled model";

  const auto & level = findParameter(parameters, "pruningLevel");
  EXPECT_EQ(level.tag, "string-enumeration");
  EXPECT_EQ(level.elements, (std::vector<std::string>{ "L1", "L2", "L3", "L4" }));
  EXPECT_EQ(level.defaultValue, "L4");
  EXPECT_EQ(findParameter(parameters, "inferenceMode").elements, (std::vector<std::string>{ "accurate", "fast" }));
  EXPECT_EQ(findParameter(parameters, "device").elements, (std::vector<std::string>{ "auto", "cpu", "cuda" }));
  const auto & augmentation = findParameter(parameters, "testTimeAugmentation");
  EXPECT_EQ(augmentation.tag, "boolean");
  EXPECT_EQ(augmentation.defaultValue, "false") << "test-time augmentation is off unless the user asks for it";

  // A return parameter has channel "output" and neither flag nor index.
  const auto & volumes = findParameter(parameters, "labelVolumes");
  EXPECT_EQ(volumes.channel, "output");
  EXPECT_TRUE(volumes.longFlag.empty());
  EXPECT_TRUE(volumes.flag.empty());
  EXPECT_FALSE(volumes.index);
}

TEST_F(SlicerCliModule, RunsAsSlicerRunsIt)
{
  if (!fs::is_regular_file(HippocampusCase))
  {
    GTEST_SKIP() << "real data not found at " << HippocampusCase << " (../shared/data next to the repository)";
  }

  // Slicer writes the selected volume to a temporary NRRD file and passes NRRD paths for the outputs.
  const std::string input = path("inputVolume.nrrd");
  writeImage(readImage<FloatImage>(HippocampusCase).GetPointer(), input);
  const std::string labelmapPath = path("outputLabelmap.nrrd");
  const std::string probabilityPath = path("probabilityVolume.nrrd");
  const std::string returnFile = path("return.params");

  // The model file stays empty, its default, so the module uses the bundled model.
  const auto arguments = slicerCommandLine(moduleParameters(),
                                           { { "inputVolume", input },
                                             { "outputLabelmap", labelmapPath },
                                             { "probabilityVolume", probabilityPath },
                                             { "pruningLevel", "L4" },
                                             { "inferenceMode", "accurate" },
                                             { "device", "cpu" } },
                                           returnFile);
  ASSERT_EQ(arguments.front(), "--returnparameterfile");
  const auto result = runProgram(ModuleExecutable, arguments);
  ASSERT_EQ(result.exitStatus, 0) << result.standardError;

  // The labelmap has the input's voxel grid and only the bundled model's label values.
  const auto image = readImage<FloatImage>(input);
  const auto labelmap = readImage<LabelImage>(labelmapPath);
  EXPECT_EQ(labelmap->GetLargestPossibleRegion().GetSize(), image->GetLargestPossibleRegion().GetSize());
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    EXPECT_NEAR(labelmap->GetOrigin()[axis], image->GetOrigin()[axis], 1e-6) << "origin, axis " << axis;
    EXPECT_NEAR(labelmap->GetSpacing()[axis], image->GetSpacing()[axis], 1e-6) << "spacing, axis " << axis;
    for (unsigned column = 0; column < 3; ++column)
    {
      EXPECT_NEAR(labelmap->GetDirection()[axis][column], image->GetDirection()[axis][column], 1e-6)
        << "direction " << axis << "," << column;
    }
  }
  const auto metadata = unetpp::readModelMetadata(UNETPP_BUNDLED_MODEL);
  std::map<int, int64_t> voxelsPerLabel;
  for (itk::ImageRegionConstIterator<LabelImage> it(labelmap, labelmap->GetLargestPossibleRegion()); !it.IsAtEnd();
       ++it)
  {
    ++voxelsPerLabel[it.Get()];
  }
  for (const auto & [label, count] : voxelsPerLabel)
  {
    const bool known = std::any_of(metadata.classes.begin(), metadata.classes.end(),
                                   [label = label](const unetpp::ClassInfo & c) { return c.labelValue == label; });
    EXPECT_TRUE(known) << count << " voxels have label " << label << ", which the model does not define";
  }

  // The probability volume has one component per class, and a voxel's probabilities sum to 1.
  const auto probabilities = readImage<VectorImage>(probabilityPath);
  ASSERT_EQ(probabilities->GetNumberOfComponentsPerPixel(), metadata.classes.size());
  EXPECT_EQ(probabilities->GetLargestPossibleRegion().GetSize(), image->GetLargestPossibleRegion().GetSize());
  for (itk::ImageRegionConstIterator<VectorImage> it(probabilities, probabilities->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
  {
    double sum = 0.0;
    for (unsigned component = 0; component < probabilities->GetNumberOfComponentsPerPixel(); ++component)
    {
      sum += it.Get()[component];
    }
    ASSERT_NEAR(sum, 1.0, 1e-4) << "at voxel " << it.GetIndex();
  }

  // Progress: a start line, one line per slice with the fraction of slices done, then an end line.
  const std::string & output = result.standardOutput;
  const auto start = output.find("<filter-start><filter-name>");
  const auto comment = output.find("<filter-comment>");
  const auto firstProgress = output.find("<filter-progress>");
  const auto lastProgress = output.rfind("<filter-progress>");
  const auto end = output.find("<filter-end>");
  ASSERT_NE(start, std::string::npos) << output;
  ASSERT_NE(firstProgress, std::string::npos) << output;
  ASSERT_NE(end, std::string::npos) << output;
  EXPECT_LT(start, comment);
  EXPECT_LT(comment, firstProgress);
  EXPECT_LT(lastProgress, end);

  // The module cuts the volume along one of its axes. With n slices, the fractions are 1/n, 2/n, ..., 1.
  std::vector<double> fractions;
  for (const double value : progressValues(output))
  {
    if (value > 0.0)
    {
      fractions.push_back(value);
    }
  }
  bool matchesAnAxis = false;
  for (unsigned axis = 0; axis < 3; ++axis)
  {
    const auto slices = image->GetLargestPossibleRegion().GetSize()[axis];
    bool matches = fractions.size() == slices;
    for (std::size_t k = 0; matches && k < slices; ++k)
    {
      matches = std::abs(fractions[k] - static_cast<double>(k + 1) / static_cast<double>(slices)) < 1e-4;
    }
    matchesAnAxis = matchesAnAxis || matches;
  }
  EXPECT_TRUE(matchesAnAxis) << fractions.size() << " progress lines do not count the slices of any axis:\n" << output;

  // The return parameter lists the volume of each foreground class: voxel count times the voxel volume.
  const auto returned = readReturnParameters(returnFile);
  ASSERT_EQ(returned.count("labelVolumes"), 1u) << readTextFile(returnFile);
  const auto volumes = splitAtCommas(returned.at("labelVolumes"));
  ASSERT_EQ(volumes.size(), metadata.classes.size() - 1) << returned.at("labelVolumes");
  const auto & spacing = labelmap->GetSpacing();
  const double voxelMillilitres = spacing[0] * spacing[1] * spacing[2] / 1000.0;
  for (std::size_t i = 1; i < metadata.classes.size(); ++i)
  {
    const auto & foregroundClass = metadata.classes[i];
    const std::string prefix = foregroundClass.name + ": ";
    const std::string & text = volumes[i - 1];
    ASSERT_EQ(text.rfind(prefix, 0), 0u) << text;
    const double millilitres = std::stod(text.substr(prefix.size()));
    EXPECT_NE(text.find(" mL"), std::string::npos) << text;

    // Three decimals: the value is rounded to 0.0005 mL at most.
    const double expected = static_cast<double>(voxelsPerLabel[foregroundClass.labelValue]) * voxelMillilitres;
    EXPECT_NEAR(millilitres, expected, 0.0005 + 1e-9) << text;
  }

  // The model was trained on these volumes, so it finds hippocampus voxels in one of them.
  EXPECT_GT(labelmap->GetLargestPossibleRegion().GetNumberOfPixels(), voxelsPerLabel[0]) << "no foreground found";
}

TEST_F(SlicerCliModule, RunsStandaloneWithEqualsFlags)
{
  const std::string input = path("small.nrrd");
  writeImage(makeSmallVolume().GetPointer(), input);
  const std::string labelmapPath = path("small-labelmap.nrrd");

  const auto result = runProgram(ModuleExecutable,
                                 { "--pruningLevel=L1", "--inferenceMode=fast", "--device=cpu", "--threads=1",
                                   "--modelFile=" + std::string(UNETPP_BUNDLED_MODEL), input, labelmapPath });

  ASSERT_EQ(result.exitStatus, 0) << result.standardError;
  const auto labelmap = readImage<LabelImage>(labelmapPath);
  EXPECT_EQ(labelmap->GetLargestPossibleRegion().GetSize(), makeSmallVolume()->GetLargestPossibleRegion().GetSize());
}

TEST_F(SlicerCliModule, TestTimeAugmentationChangesProbabilities)
{
  if (!fs::is_regular_file(HippocampusCase))
  {
    GTEST_SKIP() << "real data not found at " << HippocampusCase << " (../shared/data next to the repository)";
  }
  // A real MR crop, on which the model is unsure near the hippocampus borders: a network is not symmetric
  // under mirroring, so averaging the mirror images must move the probabilities there. The bundled model
  // was trained without flips and refuses mirroring; a copy that records flips accepts it.
  const std::string input = path("inputVolume.nrrd");
  writeImage(readImage<FloatImage>(HippocampusCase).GetPointer(), input);
  const auto refused =
    runProgram(ModuleExecutable, { "--modelFile", UNETPP_BUNDLED_MODEL, "--testTimeAugmentation", input, path("refused.nrrd") });
  EXPECT_NE(refused.exitStatus, 0);
  EXPECT_NE(refused.standardError.find("--testTimeAugmentation: model"), std::string::npos) << refused.standardError;
  EXPECT_NE(refused.standardError.find("not trained on mirrored images"), std::string::npos) << refused.standardError;
  EXPECT_EQ(refused.standardOutput.find("<filter-start>"), std::string::npos)
    << "the module started segmenting before it checked the model:\n" << refused.standardOutput;
  EXPECT_FALSE(fs::exists(path("refused.nrrd")));
  unetpp::Model model = unetpp::loadModel(UNETPP_BUNDLED_MODEL);
  model.metadata.training["augmentation"] = "flips,intensity";
  const std::string flipped = path("flipped.unetpp");
  unetpp::saveModel(flipped, model.metadata, model.network);

  const auto segment = [&](const std::string & name, const std::string & augmentation) {
    const auto arguments = slicerCommandLine(moduleParameters(),
                                             { { "inputVolume", input },
                                               { "outputLabelmap", path(name + "-labelmap.nrrd") },
                                               { "probabilityVolume", path(name + "-probabilities.nrrd") },
                                               { "modelFile", flipped },
                                               { "pruningLevel", "L2" },
                                               { "device", "cpu" },
                                               { "threads", "1" },
                                               { "testTimeAugmentation", augmentation } },
                                             path(name + ".params"));
    const bool passed = std::find(arguments.begin(), arguments.end(), "--testTimeAugmentation") != arguments.end();
    EXPECT_EQ(passed, augmentation == "true");
    const auto result = runProgram(ModuleExecutable, arguments);
    EXPECT_EQ(result.exitStatus, 0) << result.standardError;
    return readImage<VectorImage>(path(name + "-probabilities.nrrd"));
  };
  const auto plain = segment("plain", "false");
  const auto mirrored = segment("mirrored", "true");
  ASSERT_EQ(mirrored->GetLargestPossibleRegion().GetSize(), plain->GetLargestPossibleRegion().GetSize());

  double largestChange = 0.0;
  itk::ImageRegionConstIterator<VectorImage> before(plain, plain->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<VectorImage> after(mirrored, mirrored->GetLargestPossibleRegion());
  for (; !before.IsAtEnd(); ++before, ++after)
  {
    for (unsigned component = 0; component < plain->GetNumberOfComponentsPerPixel(); ++component)
    {
      largestChange = std::max(largestChange, std::abs(static_cast<double>(after.Get()[component] - before.Get()[component])));
    }
  }
  EXPECT_GT(largestChange, 0.01);
  expectFailure({ "--testTimeAugmentation=true", input, path("labelmap.nrrd") }, "takes no value");
}

TEST_F(SlicerCliModule, MissingModelFileFails)
{
  const std::string input = path("small.nrrd");
  writeImage(makeSmallVolume().GetPointer(), input);
  const std::string missingModel = path("no-such-model.unetpp");

  expectFailure({ "--modelFile", missingModel, input, path("labelmap.nrrd") }, missingModel);
  EXPECT_FALSE(fs::exists(path("labelmap.nrrd"))) << "a failed run must not leave a labelmap behind";
}

TEST_F(SlicerCliModule, MultiComponentInputFails)
{
  // A three-component volume, as an RGB or vector volume in Slicer is stored.
  auto image = VectorImage::New();
  VectorImage::SizeType size{ { 8, 8, 2 } };
  image->SetRegions(size);
  image->SetNumberOfComponentsPerPixel(3);
  image->Allocate();
  itk::VariableLengthVector<float> pixel(3);
  pixel.Fill(1.0F);
  image->FillBuffer(pixel);
  const std::string input = path("vector.nrrd");
  writeImage(image.GetPointer(), input);

  expectFailure({ "--modelFile", UNETPP_BUNDLED_MODEL, input, path("labelmap.nrrd") }, "3 components");
  EXPECT_FALSE(fs::exists(path("labelmap.nrrd")));
}

TEST_F(SlicerCliModule, MultiChannelModelFails)
{
  // The bundled nuclei model expects RGB images, and Slicer passes this module scalar volumes only.
  const std::string input = path("small.nrrd");
  writeImage(makeSmallVolume().GetPointer(), input);
  const std::string labelmap = path("labelmap.nrrd");

  const auto result = runProgram(ModuleExecutable, { "--modelFile", UNETPP_NUCLEI_MODEL, input, labelmap });
  EXPECT_NE(result.exitStatus, 0);
  EXPECT_NE(result.standardError.find("expects images with 3 channels"), std::string::npos) << result.standardError;
  EXPECT_NE(result.standardError.find("unetpp segment"), std::string::npos) << result.standardError;
  EXPECT_EQ(result.standardOutput.find("<filter-start>"), std::string::npos)
    << "the module started segmenting before it checked the model:\n" << result.standardOutput;
  EXPECT_FALSE(fs::exists(labelmap));
}

TEST_F(SlicerCliModule, OutputInMissingFolderFails)
{
  const std::string input = path("small.nrrd");
  writeImage(makeSmallVolume().GetPointer(), input);
  const std::string output = path("no-such-folder/labelmap.nrrd");

  expectFailure({ "--modelFile", UNETPP_BUNDLED_MODEL, input, output }, output);
}

TEST_F(SlicerCliModule, OutputThatIsFolderFails)
{
  const std::string input = path("small.nrrd");
  writeImage(makeSmallVolume().GetPointer(), input);

  expectFailure({ "--modelFile", UNETPP_BUNDLED_MODEL, input, m_Folder }, "is a folder");
}

TEST_F(SlicerCliModule, MissingInputFails)
{
  const std::string input = path("no-such-volume.nrrd");

  expectFailure({ "--modelFile", UNETPP_BUNDLED_MODEL, input, path("labelmap.nrrd") }, input);
}

TEST_F(SlicerCliModule, UnknownFlagFails)
{
  expectFailure({ "--pruningLvl", "L2", path("in.nrrd"), path("out.nrrd") }, "--pruningLvl");
}

TEST_F(SlicerCliModule, RepeatedFlagFails)
{
  // Slicer passes each parameter once. A repeated flag comes from a hand-written command line, where the
  // second value silently winning would hide a mistake.
  expectFailure({ "--threads", "1", "--threads=2", path("in.nrrd"), path("out.nrrd") },
                "option --threads is given more than once");
  expectFailure({ "--testTimeAugmentation", "--testTimeAugmentation", path("in.nrrd"), path("out.nrrd") },
                "option --testTimeAugmentation is given more than once");
}

TEST_F(SlicerCliModule, MissingFlagValueFails)
{
  expectFailure({ path("in.nrrd"), path("out.nrrd"), "--threads" }, "option --threads needs a value");
  expectFailure({ "--threads", "--device", "cpu", path("in.nrrd"), path("out.nrrd") }, "option --threads needs a value");
}

TEST_F(SlicerCliModule, ThreadsAboveLimitFails)
{
  // 128 threads is the inference engine's limit, so 129 is rejected before anything is read.
  expectFailure({ "--threads", "129", path("in.nrrd"), path("out.nrrd") }, "from 0 (every core) to 128");
  expectFailure({ "--threads", "99999999999999", path("in.nrrd"), path("out.nrrd") }, "from 0 (every core) to 128");
}

TEST_F(SlicerCliModule, SharedPathsFail)
{
  // Each pair would make one file overwrite another: the input, or an output written just before.
  const std::string input = path("small.nrrd");
  writeImage(makeSmallVolume().GetPointer(), input);
  const auto sizeBefore = fs::file_size(input);
  expectFailure({ "--modelFile", UNETPP_BUNDLED_MODEL, input, input }, "are the same file");
  // A hard link is another name of the input file.
  const std::string hardLink = path("hard-link.nrrd");
  fs::create_hard_link(input, hardLink);
  expectFailure({ "--modelFile", UNETPP_BUNDLED_MODEL, input, hardLink },
                "the input volume (" + input + ") and the output labelmap (" + hardLink + ")");
  EXPECT_EQ(fs::file_size(input), sizeBefore) << "the input volume was overwritten";

  const std::string labelmap = path("labelmap.nrrd");
  expectFailure({ "--probabilityVolume", labelmap, input, labelmap },
                "--probabilityVolume (" + labelmap + ") are the same file");
  // The same file through another spelling of its path, and through a link whose target does not exist yet.
  expectFailure({ "--returnparameterfile", path("sub/../labelmap.nrrd"), input, labelmap }, "are the same file");
  const std::string danglingLink = path("dangling-link.nrrd");
  fs::create_symlink(labelmap, danglingLink);
  expectFailure({ "--probabilityVolume", labelmap, input, danglingLink }, "are the same file");
  EXPECT_FALSE(fs::exists(labelmap));
}

TEST_F(SlicerCliModule, InvalidPruningLevelFails)
{
  expectFailure({ "--pruningLevel", "L5", path("in.nrrd"), path("out.nrrd") }, "L1, L2, L3, L4");
}

TEST_F(SlicerCliModule, MissingLabelmapArgumentFails)
{
  expectFailure({ path("in.nrrd") }, "output labelmap");
}

} // namespace

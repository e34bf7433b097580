#include "vtkSlicerUNetPlusPlusLogic.h"

#include "itkUNetPlusPlusImageFilter.h"
#include "unetpp/ModelFile.h"

#include <vtkMRMLColorTableNode.h>
#include <vtkMRMLLabelMapVolumeDisplayNode.h>
#include <vtkMRMLLabelMapVolumeNode.h>
#include <vtkMRMLScalarVolumeNode.h>
#include <vtkMRMLScene.h>

#include <vtkImageCast.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>

#include <itkProcessObject.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

vtkStandardNewMacro(vtkSlicerUNetPlusPlusLogic);

namespace
{

// Background is transparent in the slice views, so only the segmented structures cover the image.
constexpr double BackgroundOpacity = 0.0;
constexpr double StructureOpacity = 1.0;
constexpr double CubicMillimetresPerMillilitre = 1000.0;

} // namespace

vtkSlicerUNetPlusPlusLogic::vtkSlicerUNetPlusPlusLogic() = default;

vtkSlicerUNetPlusPlusLogic::~vtkSlicerUNetPlusPlusLogic()
{
  // The worker writes into this object, so it must stop before the object goes away.
  this->RequestCancel();
  if (this->Worker.joinable())
  {
    this->Worker.join();
  }
}

void
vtkSlicerUNetPlusPlusLogic::PrintSelf(ostream & os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "Running: " << this->IsRunning() << "\n";
  os << indent << "Progress: " << this->GetProgress() << "\n";
}

bool
vtkSlicerUNetPlusPlusLogic::StartSegmentation(vtkMRMLScalarVolumeNode * inputVolume, const Settings & settings)
{
  std::lock_guard<std::mutex> lock(this->ErrorMutex);
  if (this->IsRunning())
  {
    this->ErrorMessage = "A segmentation is in progress: wait for it or cancel it first.";
    return false;
  }
  if (this->Worker.joinable())
  {
    // A finished run whose result FinishSegmentation() never collected.
    this->Worker.join();
  }
  vtkImageData * imageData = inputVolume ? inputVolume->GetImageData() : nullptr;
  if (!imageData)
  {
    this->ErrorMessage = "The input volume is missing or has no image data: select a loaded scalar volume.";
    return false;
  }
  if (imageData->GetNumberOfScalarComponents() != 1)
  {
    this->ErrorMessage = "The input volume '" + std::string(inputVolume->GetName()) + "' has " +
                         std::to_string(imageData->GetNumberOfScalarComponents()) +
                         " components per voxel, but UNet++ segments scalar volumes: convert it to a scalar volume first.";
    return false;
  }

  // ITK images use LPS coordinates and MRML volumes RAS, so the first two axes change sign.
  this->InputImage = InputImageType::New();
  InputImageType::RegionType region;
  InputImageType::PointType origin;
  InputImageType::SpacingType spacing;
  InputImageType::DirectionType direction;
  double directions[3][3];
  inputVolume->GetIJKToRASDirections(directions);
  const double * rasOrigin = inputVolume->GetOrigin();
  const double * volumeSpacing = inputVolume->GetSpacing();
  const int * dimensions = imageData->GetDimensions();
  for (unsigned int axis = 0; axis < 3; ++axis)
  {
    const double lpsSign = axis < 2 ? -1.0 : 1.0;
    region.SetSize(axis, static_cast<itk::SizeValueType>(dimensions[axis]));
    origin[axis] = lpsSign * rasOrigin[axis];
    spacing[axis] = volumeSpacing[axis];
    for (unsigned int column = 0; column < 3; ++column)
    {
      direction(axis, column) = lpsSign * directions[axis][column];
    }
  }
  this->InputImage->SetRegions(region);
  this->InputImage->SetOrigin(origin);
  this->InputImage->SetSpacing(spacing);
  this->InputImage->SetDirection(direction);
  this->InputImage->Allocate();

  // vtkImageData and itk::Image both store voxels with the first index varying fastest.
  vtkNew<vtkImageCast> cast;
  cast->SetInputData(imageData);
  cast->SetOutputScalarTypeToFloat();
  cast->Update();
  std::memcpy(this->InputImage->GetBufferPointer(), cast->GetOutput()->GetScalarPointer(),
              region.GetNumberOfPixels() * sizeof(float));

  this->InputName = inputVolume->GetName() ? inputVolume->GetName() : "volume";
  inputVolume->GetIJKToRASMatrix(this->InputIJKToRAS);
  this->Labelmap = nullptr;
  this->ClassVolumes.clear();
  this->ErrorMessage.clear();
  this->Progress = 0.0;
  this->CancelRequested = false;
  this->Running = true;
  this->Worker = std::thread(&vtkSlicerUNetPlusPlusLogic::RunFilter, this, settings);
  return true;
}

void
vtkSlicerUNetPlusPlusLogic::RunFilter(Settings settings)
{
  using FilterType = itk::UNetPlusPlusImageFilter<InputImageType, LabelmapType>;
  auto filter = FilterType::New();
  filter->SetInput(this->InputImage);
  filter->SetModelFileName(settings.ModelFile);
  filter->SetPruningLevel(settings.PruningLevel);
  filter->SetDevice(settings.Device);
  filter->SetInferenceThreads(settings.Threads);

  // The filter invokes one ProgressEvent per slice; setting AbortGenerateData there stops it before the next.
  int slicesDone = 0;
  filter->AddObserver(itk::ProgressEvent(), [this, &filter, &slicesDone](const itk::EventObject &) {
    ++slicesDone;
    this->Progress = filter->GetProgress();
    if (this->CancelRequested)
    {
      filter->SetAbortGenerateData(true);
    }
  });

  const auto start = std::chrono::steady_clock::now();
  try
  {
    filter->SetMode(unetpp::inferenceModeFromString(settings.Mode));
    filter->Update();
    this->Labelmap = filter->GetLabelmapOutput();
    this->Labelmap->DisconnectPipeline();

    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    this->SecondsPerSlice = elapsed.count() / std::max(1, slicesDone);
    for (const unetpp::ClassInfo & info : filter->GetModelMetadata().classes)
    {
      ClassVolume volume;
      volume.LabelValue = info.labelValue;
      volume.Name = info.name;
      for (int channel = 0; channel < 3; ++channel)
      {
        volume.Color[channel] = info.color[channel] / 255.0;
      }
      this->ClassVolumes.push_back(volume);
    }
    this->MeasureClassVolumes(*this->Labelmap);
  }
  catch (const itk::ProcessAborted &)
  {
    std::lock_guard<std::mutex> lock(this->ErrorMutex);
    this->ErrorMessage = "Segmentation of '" + this->InputName + "' cancelled after " + std::to_string(slicesDone) +
                         " slices.";
  }
  catch (const std::exception & error)
  {
    // itk::ExceptionObject, unetpp::ModelFileError and LibTorch's c10::Error all derive from std::exception.
    std::lock_guard<std::mutex> lock(this->ErrorMutex);
    this->ErrorMessage = "Segmentation of '" + this->InputName + "' failed: " + error.what();
  }
  this->InputImage = nullptr;
  this->Running = false;
}

void
vtkSlicerUNetPlusPlusLogic::MeasureClassVolumes(const LabelmapType & labelmap)
{
  std::map<int, size_t> voxelCounts;
  const short * voxels = labelmap.GetBufferPointer();
  const size_t voxelCount = labelmap.GetBufferedRegion().GetNumberOfPixels();
  for (size_t i = 0; i < voxelCount; ++i)
  {
    ++voxelCounts[voxels[i]];
  }

  const auto & spacing = labelmap.GetSpacing();
  const double voxelVolumeMm3 = spacing[0] * spacing[1] * spacing[2];
  for (ClassVolume & volume : this->ClassVolumes)
  {
    volume.VolumeMl = voxelCounts[volume.LabelValue] * voxelVolumeMm3 / CubicMillimetresPerMillilitre;
  }
}

bool
vtkSlicerUNetPlusPlusLogic::IsRunning() const
{
  return this->Running;
}

double
vtkSlicerUNetPlusPlusLogic::GetProgress() const
{
  return this->Progress;
}

void
vtkSlicerUNetPlusPlusLogic::RequestCancel()
{
  this->CancelRequested = true;
}

vtkMRMLLabelMapVolumeNode *
vtkSlicerUNetPlusPlusLogic::FinishSegmentation()
{
  if (this->Worker.joinable())
  {
    this->Worker.join();
  }
  vtkMRMLScene * scene = this->GetMRMLScene();
  if (!this->Labelmap)
  {
    return nullptr;
  }
  if (!scene)
  {
    std::lock_guard<std::mutex> lock(this->ErrorMutex);
    this->ErrorMessage = "Cannot add the labelmap: the module logic has no MRML scene.";
    return nullptr;
  }

  // The labelmap has the input's geometry, so its voxels map one to one onto the input's IJK grid.
  const LabelmapType::SizeType size = this->Labelmap->GetLargestPossibleRegion().GetSize();
  vtkNew<vtkImageData> imageData;
  imageData->SetDimensions(static_cast<int>(size[0]), static_cast<int>(size[1]), static_cast<int>(size[2]));
  imageData->AllocateScalars(VTK_SHORT, 1);
  std::memcpy(imageData->GetScalarPointer(), this->Labelmap->GetBufferPointer(),
              this->Labelmap->GetLargestPossibleRegion().GetNumberOfPixels() * sizeof(short));
  this->Labelmap = nullptr;

  const std::string name = scene->GenerateUniqueName(this->InputName + " UNet++");
  auto * labelmapNode =
    vtkMRMLLabelMapVolumeNode::SafeDownCast(scene->AddNewNodeByClass("vtkMRMLLabelMapVolumeNode", name));
  labelmapNode->SetIJKToRASMatrix(this->InputIJKToRAS);
  labelmapNode->SetAndObserveImageData(imageData);
  labelmapNode->CreateDefaultDisplayNodes();

  vtkMRMLColorTableNode * colorTable = this->AddColorTable(name + " colours");
  if (auto * displayNode = labelmapNode->GetDisplayNode())
  {
    displayNode->SetAndObserveColorNodeID(colorTable->GetID());
  }
  return labelmapNode;
}

vtkMRMLColorTableNode *
vtkSlicerUNetPlusPlusLogic::AddColorTable(const std::string & name)
{
  int maxLabel = 0;
  for (const ClassVolume & volume : this->ClassVolumes)
  {
    maxLabel = std::max(maxLabel, volume.LabelValue);
  }

  vtkNew<vtkMRMLColorTableNode> colorTable;
  colorTable->SetName(name.c_str());
  colorTable->SetTypeToUser();
  colorTable->SetNumberOfColors(maxLabel + 1);
  colorTable->SetColor(0, "background", 0.0, 0.0, 0.0, BackgroundOpacity);
  for (const ClassVolume & volume : this->ClassVolumes)
  {
    const double opacity = volume.LabelValue == 0 ? BackgroundOpacity : StructureOpacity;
    colorTable->SetColor(volume.LabelValue, volume.Name.c_str(), volume.Color[0], volume.Color[1], volume.Color[2],
                         opacity);
  }
  return vtkMRMLColorTableNode::SafeDownCast(this->GetMRMLScene()->AddNode(colorTable));
}

std::string
vtkSlicerUNetPlusPlusLogic::GetErrorMessage() const
{
  std::lock_guard<std::mutex> lock(this->ErrorMutex);
  return this->ErrorMessage;
}

const std::vector<vtkSlicerUNetPlusPlusLogic::ClassVolume> &
vtkSlicerUNetPlusPlusLogic::GetClassVolumes() const
{
  return this->ClassVolumes;
}

double
vtkSlicerUNetPlusPlusLogic::GetSecondsPerSlice() const
{
  return this->SecondsPerSlice;
}

std::string
vtkSlicerUNetPlusPlusLogic::GetBundledModelFile(const std::string & moduleLibraryPath) const
{
  const std::string::size_type separator = moduleLibraryPath.find_last_of('/');
  const std::string moduleFolder = separator == std::string::npos ? "." : moduleLibraryPath.substr(0, separator);
  return moduleFolder + "/" + UNETPP_LOADABLE_MODELS_RELATIVE_DIR + "/hippocampus.unetpp";
}

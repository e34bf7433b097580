#pragma once

#include "vtkSlicerModuleLogic.h"
#include "vtkSlicerUNetPlusPlusModuleLogicExport.h"

#include <itkImage.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

class vtkMRMLColorTableNode;
class vtkMRMLLabelMapVolumeNode;
class vtkMRMLScalarVolumeNode;

/**
 * Segments a scalar volume node with a UNet++ model. StartSegmentation() copies the volume into an ITK
 * image and runs itk::UNetPlusPlusImageFilter in a worker thread. The module widget polls GetProgress()
 * and IsRunning(), and calls FinishSegmentation() on the main thread, which is the only thread that
 * touches the MRML scene.
 */
class VTK_SLICER_UNETPLUSPLUS_MODULE_LOGIC_EXPORT vtkSlicerUNetPlusPlusLogic : public vtkSlicerModuleLogic
{
public:
  static vtkSlicerUNetPlusPlusLogic * New();
  vtkTypeMacro(vtkSlicerUNetPlusPlusLogic, vtkSlicerModuleLogic);
  void PrintSelf(ostream & os, vtkIndent indent) override;

  /** Settings of one run, with the values of the CLI module's parameters. */
  struct Settings
  {
    std::string ModelFile;            ///< empty: the bundled model
    int PruningLevel = 4;             ///< 1 to the model's depth
    std::string Mode = "accurate";    ///< "accurate" or "fast"
    std::string Device = "auto";      ///< "auto", "cpu" or "cuda"
    int Threads = 0;                  ///< CPU threads for LibTorch; 0 uses every core
  };

  /** Volume of one class of the last result. */
  struct ClassVolume
  {
    int LabelValue = 0;
    std::string Name;
    double Color[3] = { 0.0, 0.0, 0.0 }; ///< RGB, 0..1
    double VolumeMl = 0.0;
  };

  /**
   * Starts segmenting the volume in a worker thread. Returns false, with GetErrorMessage() set, when a run
   * is in progress or the volume is missing or has several components per voxel.
   */
  bool StartSegmentation(vtkMRMLScalarVolumeNode * inputVolume, const Settings & settings);

  bool IsRunning() const;
  /** Fraction of slices done in the current run, from 0 to 1. */
  double GetProgress() const;
  /** Asks the worker to stop after the slice in progress; FinishSegmentation() then reports the cancellation. */
  void RequestCancel();

  /**
   * Waits for the worker and, when it succeeded, adds a labelmap volume node with the input's geometry and
   * a colour table from the model's classes. Returns nullptr with GetErrorMessage() set when the run failed
   * or was cancelled. Call it on the main thread once IsRunning() is false.
   */
  vtkMRMLLabelMapVolumeNode * FinishSegmentation();

  std::string GetErrorMessage() const;
  const std::vector<ClassVolume> & GetClassVolumes() const;
  /** Wall-clock time of the last successful run divided by its slice count. */
  double GetSecondsPerSlice() const;

  /** Bundled model file, found from the path of the loadable module library as the install layout places it. */
  std::string GetBundledModelFile(const std::string & moduleLibraryPath) const;

protected:
  vtkSlicerUNetPlusPlusLogic();
  ~vtkSlicerUNetPlusPlusLogic() override;

private:
  using InputImageType = itk::Image<float, 3>;
  using LabelmapType = itk::Image<short, 3>;

  void RunFilter(Settings settings);
  vtkMRMLColorTableNode * AddColorTable(const std::string & name);
  void MeasureClassVolumes(const LabelmapType & labelmap);

  vtkSlicerUNetPlusPlusLogic(const vtkSlicerUNetPlusPlusLogic &) = delete;
  void operator=(const vtkSlicerUNetPlusPlusLogic &) = delete;

  std::thread Worker;
  std::atomic<bool> Running{ false };
  std::atomic<bool> CancelRequested{ false };
  std::atomic<double> Progress{ 0.0 };

  // Written by the worker, read by the main thread after the worker has been joined.
  InputImageType::Pointer InputImage;
  LabelmapType::Pointer Labelmap;
  std::vector<ClassVolume> ClassVolumes;
  double SecondsPerSlice = 0.0;
  std::string InputName;
  vtkNew<vtkMatrix4x4> InputIJKToRAS;

  mutable std::mutex ErrorMutex;
  std::string ErrorMessage;
};

#pragma once

#include "qSlicerAbstractModuleWidget.h"
#include "qSlicerUNetPlusPlusModuleExport.h"

class QTimer;
class qUNetPPResultsTableWidget;
class qUNetPPSettingsWidget;
class vtkMRMLScene;
class vtkSlicerUNetPlusPlusLogic;

/**
 * Panel of the UNet++ loadable module: the settings widget over the results table. It lists the scene's
 * scalar volumes as inputs, starts the logic's worker on Apply and polls it for progress until it finishes.
 */
class Q_SLICER_QTMODULES_UNETPLUSPLUS_EXPORT qSlicerUNetPlusPlusModuleWidget : public qSlicerAbstractModuleWidget
{
  Q_OBJECT

public:
  using Superclass = qSlicerAbstractModuleWidget;
  explicit qSlicerUNetPlusPlusModuleWidget(QWidget * parent = nullptr);
  ~qSlicerUNetPlusPlusModuleWidget() override;

public slots:
  void setMRMLScene(vtkMRMLScene * scene) override;

protected:
  void setup() override;

private slots:
  void updateInputVolumes();
  void startSegmentation();
  void cancelSegmentation();
  void pollSegmentation();

private:
  vtkSlicerUNetPlusPlusLogic * unetppLogic() const;
  void showResult();

  qUNetPPSettingsWidget * m_Settings = nullptr;
  qUNetPPResultsTableWidget * m_Results = nullptr;
  QTimer * m_PollTimer = nullptr;
};

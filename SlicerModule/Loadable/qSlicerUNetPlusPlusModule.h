#pragma once

#include "qSlicerLoadableModule.h"
#include "qSlicerUNetPlusPlusModuleExport.h"

/**
 * The UNet++ loadable module: an interactive panel that segments a scalar volume in the background and
 * adds a labelmap with the model's class colours. The UNetPlusPlusSegmentation CLI module offers the same
 * segmentation for batch use and Python scripting.
 */
class Q_SLICER_QTMODULES_UNETPLUSPLUS_EXPORT qSlicerUNetPlusPlusModule : public qSlicerLoadableModule
{
  Q_OBJECT
  Q_PLUGIN_METADATA(IID "org.slicer.modules.loadable.qSlicerLoadableModule/1.0");
  Q_INTERFACES(qSlicerLoadableModule);

public:
  using Superclass = qSlicerLoadableModule;
  explicit qSlicerUNetPlusPlusModule(QObject * parent = nullptr);
  ~qSlicerUNetPlusPlusModule() override;

  qSlicerGetTitleMacro(QTMODULE_TITLE);

  QString helpText() const override;
  QString acknowledgementText() const override;
  QStringList contributors() const override;
  QStringList categories() const override;
  QStringList dependencies() const override;

protected:
  void setup() override;
  qSlicerAbstractModuleRepresentation * createWidgetRepresentation() override;
  vtkMRMLAbstractLogic * createLogic() override;
};

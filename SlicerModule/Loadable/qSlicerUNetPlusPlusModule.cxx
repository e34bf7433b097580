#include "qSlicerUNetPlusPlusModule.h"

#include "qSlicerUNetPlusPlusModuleWidget.h"
#include "vtkSlicerUNetPlusPlusLogic.h"

qSlicerUNetPlusPlusModule::qSlicerUNetPlusPlusModule(QObject * parent)
  : Superclass(parent)
{}

qSlicerUNetPlusPlusModule::~qSlicerUNetPlusPlusModule() = default;

QString
qSlicerUNetPlusPlusModule::helpText() const
{
  return tr("Segments a scalar volume with UNet++ (Zhou et al., DLMIA 2018). Choose the volume, a model file "
            "(empty for the bundled hippocampus model), the pruning level L1 to L4 and the accurate or fast "
            "mode, then Apply. The result is a labelmap volume with the input's geometry and a colour table "
            "from the model's classes; the table below lists the volume of each class in mL.");
}

QString
qSlicerUNetPlusPlusModule::acknowledgementText() const
{
  return tr("UNet++: Zhou, Rahman Siddiquee, Tajbakhsh and Liang, \"UNet++: A Nested U-Net Architecture for "
            "Medical Image Segmentation\", DLMIA 2018.");
}

QStringList
qSlicerUNetPlusPlusModule::contributors() const
{
  return { QStringLiteral("UNet++ for ITK and Slicer contributors") };
}

QStringList
qSlicerUNetPlusPlusModule::categories() const
{
  return { QStringLiteral("Segmentation") };
}

QStringList
qSlicerUNetPlusPlusModule::dependencies() const
{
  return {};
}

void
qSlicerUNetPlusPlusModule::setup()
{
  this->Superclass::setup();
}

qSlicerAbstractModuleRepresentation *
qSlicerUNetPlusPlusModule::createWidgetRepresentation()
{
  return new qSlicerUNetPlusPlusModuleWidget;
}

vtkMRMLAbstractLogic *
qSlicerUNetPlusPlusModule::createLogic()
{
  return vtkSlicerUNetPlusPlusLogic::New();
}

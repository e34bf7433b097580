#include "qSlicerUNetPlusPlusModuleWidget.h"

#include "qSlicerAbstractCoreModule.h"
#include "qUNetPPResultsTableWidget.h"
#include "qUNetPPSettingsWidget.h"
#include "vtkSlicerUNetPlusPlusLogic.h"

#include <vtkMRMLLabelMapVolumeNode.h>
#include <vtkMRMLScalarVolumeNode.h>
#include <vtkMRMLScene.h>
#include <vtkMRMLSelectionNode.h>
#include <vtkSlicerApplicationLogic.h>

#include <vtkCollection.h>
#include <vtkSmartPointer.h>

#include <QTimer>
#include <QVBoxLayout>

namespace
{

// Progress is read from an atomic value, so polling a few times a second costs nothing.
constexpr int PollIntervalMilliseconds = 200;

} // namespace

qSlicerUNetPlusPlusModuleWidget::qSlicerUNetPlusPlusModuleWidget(QWidget * parent)
  : Superclass(parent)
{}

qSlicerUNetPlusPlusModuleWidget::~qSlicerUNetPlusPlusModuleWidget() = default;

void
qSlicerUNetPlusPlusModuleWidget::setup()
{
  this->Superclass::setup();

  auto * layout = new QVBoxLayout(this);
  m_Settings = new qUNetPPSettingsWidget(this);
  m_Results = new qUNetPPResultsTableWidget(this);
  layout->addWidget(m_Settings);
  layout->addWidget(m_Results);

  m_PollTimer = new QTimer(this);
  m_PollTimer->setInterval(PollIntervalMilliseconds);

  connect(m_Settings, &qUNetPPSettingsWidget::applyRequested, this, &qSlicerUNetPlusPlusModuleWidget::startSegmentation);
  connect(m_Settings, &qUNetPPSettingsWidget::cancelRequested, this,
          &qSlicerUNetPlusPlusModuleWidget::cancelSegmentation);
  connect(m_PollTimer, &QTimer::timeout, this, &qSlicerUNetPlusPlusModuleWidget::pollSegmentation);

  if (vtkSlicerUNetPlusPlusLogic * logic = this->unetppLogic())
  {
    m_Settings->setDefaultModelFile(QString::fromStdString(logic->GetBundledModelFile(this->module()->path().toStdString())));
  }
  this->updateInputVolumes();
}

void
qSlicerUNetPlusPlusModuleWidget::setMRMLScene(vtkMRMLScene * scene)
{
  this->qvtkReconnect(this->mrmlScene(), scene, vtkMRMLScene::NodeAddedEvent, this, SLOT(updateInputVolumes()));
  this->qvtkReconnect(this->mrmlScene(), scene, vtkMRMLScene::NodeRemovedEvent, this, SLOT(updateInputVolumes()));
  this->Superclass::setMRMLScene(scene);
  this->updateInputVolumes();
}

void
qSlicerUNetPlusPlusModuleWidget::updateInputVolumes()
{
  if (!m_Settings)
  {
    return;
  }
  QStringList names;
  QStringList ids;
  if (vtkMRMLScene * scene = this->mrmlScene())
  {
    vtkSmartPointer<vtkCollection> volumes = vtkSmartPointer<vtkCollection>::Take(
      scene->GetNodesByClass("vtkMRMLScalarVolumeNode"));
    for (int i = 0; i < volumes->GetNumberOfItems(); ++i)
    {
      // Labelmap volume nodes derive from scalar volume nodes, but they are results, not inputs.
      auto * volume = vtkMRMLScalarVolumeNode::SafeDownCast(volumes->GetItemAsObject(i));
      if (volume && !volume->IsA("vtkMRMLLabelMapVolumeNode"))
      {
        names << QString::fromUtf8(volume->GetName());
        ids << QString::fromLatin1(volume->GetID());
      }
    }
  }
  m_Settings->setInputVolumes(names, ids);
}

void
qSlicerUNetPlusPlusModuleWidget::startSegmentation()
{
  vtkSlicerUNetPlusPlusLogic * logic = this->unetppLogic();
  vtkMRMLScene * scene = this->mrmlScene();
  if (!logic || !scene)
  {
    m_Settings->showError(tr("The module has no logic or MRML scene, so it cannot segment. Restart Slicer and try again."));
    return;
  }
  auto * input = vtkMRMLScalarVolumeNode::SafeDownCast(scene->GetNodeByID(m_Settings->currentInputId().toLatin1().constData()));

  vtkSlicerUNetPlusPlusLogic::Settings settings;
  settings.ModelFile = m_Settings->modelFile().toStdString();
  settings.PruningLevel = m_Settings->pruningLevel();
  settings.Mode = m_Settings->inferenceMode().toStdString();
  settings.Device = m_Settings->device().toStdString();

  if (!logic->StartSegmentation(input, settings))
  {
    m_Settings->showError(QString::fromStdString(logic->GetErrorMessage()));
    return;
  }
  m_Settings->setRunning(true);
  m_PollTimer->start();
}

void
qSlicerUNetPlusPlusModuleWidget::cancelSegmentation()
{
  if (vtkSlicerUNetPlusPlusLogic * logic = this->unetppLogic())
  {
    logic->RequestCancel();
  }
}

void
qSlicerUNetPlusPlusModuleWidget::pollSegmentation()
{
  vtkSlicerUNetPlusPlusLogic * logic = this->unetppLogic();
  m_Settings->setProgress(logic->GetProgress());
  if (logic->IsRunning())
  {
    return;
  }
  m_PollTimer->stop();
  this->showResult();
  m_Settings->setRunning(false);
}

void
qSlicerUNetPlusPlusModuleWidget::showResult()
{
  vtkSlicerUNetPlusPlusLogic * logic = this->unetppLogic();
  vtkMRMLLabelMapVolumeNode * labelmap = logic->FinishSegmentation();
  if (!labelmap)
  {
    m_Settings->showError(QString::fromStdString(logic->GetErrorMessage()));
    return;
  }

  QVector<UNetPPClassVolume> rows;
  for (const vtkSlicerUNetPlusPlusLogic::ClassVolume & volume : logic->GetClassVolumes())
  {
    if (volume.LabelValue == 0)
    {
      continue;
    }
    rows.push_back({ volume.LabelValue, QString::fromStdString(volume.Name),
                     QColor::fromRgbF(volume.Color[0], volume.Color[1], volume.Color[2]), volume.VolumeMl });
  }
  m_Results->setClassVolumes(rows);
  m_Settings->setMeasuredSliceTime(m_Settings->pruningLevel(), m_Settings->inferenceMode(), logic->GetSecondsPerSlice());

  // Show the labelmap over the input in the slice views.
  vtkSlicerApplicationLogic * applicationLogic = logic->GetApplicationLogic();
  if (applicationLogic && applicationLogic->GetSelectionNode())
  {
    applicationLogic->GetSelectionNode()->SetActiveVolumeID(m_Settings->currentInputId().toLatin1().constData());
    applicationLogic->GetSelectionNode()->SetActiveLabelVolumeID(labelmap->GetID());
    applicationLogic->PropagateVolumeSelection();
  }
}

vtkSlicerUNetPlusPlusLogic *
qSlicerUNetPlusPlusModuleWidget::unetppLogic() const
{
  return vtkSlicerUNetPlusPlusLogic::SafeDownCast(this->logic());
}

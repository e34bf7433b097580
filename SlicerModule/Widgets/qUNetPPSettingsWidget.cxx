#include "qUNetPPSettingsWidget.h"

#include "ui_qUNetPPSettingsWidget.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <exception>

namespace
{

constexpr int ProgressBarMaximum = 100;

QString
formatCount(qint64 count)
{
  // Grouped digits make the parameter counts of the levels easy to compare (25,555 against 2,263,612).
  return QLocale(QLocale::English).toString(count);
}

} // namespace

qUNetPPSettingsWidget::qUNetPPSettingsWidget(QWidget * parent)
  : QWidget(parent)
  , m_Ui(std::make_unique<Ui::qUNetPPSettingsWidget>())
{
  m_Ui->setupUi(this);
  m_Ui->progressBar->setMaximum(ProgressBarMaximum);
  m_Ui->errorLabel->hide();

  connect(m_Ui->inputComboBox, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
          &qUNetPPSettingsWidget::updateButtons);
  connect(m_Ui->browseModelButton, &QToolButton::clicked, this, &qUNetPPSettingsWidget::browseModelFile);
  connect(m_Ui->modelFileLineEdit, &QLineEdit::editingFinished, this, &qUNetPPSettingsWidget::loadModelFromField);
  connect(m_Ui->modeComboBox, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
          &qUNetPPSettingsWidget::updateLevelTexts);
  connect(m_Ui->applyButton, &QPushButton::clicked, this, &qUNetPPSettingsWidget::applyRequested);
  connect(m_Ui->cancelButton, &QPushButton::clicked, this, &qUNetPPSettingsWidget::cancelRequested);

  updateLevelTexts();
  updateButtons();
}

qUNetPPSettingsWidget::~qUNetPPSettingsWidget() = default;

void
qUNetPPSettingsWidget::setInputVolumes(const QStringList & names, const QStringList & ids)
{
  const QString previousId = currentInputId();

  QComboBox * comboBox = m_Ui->inputComboBox;
  const QSignalBlocker blocker(comboBox);
  comboBox->clear();
  for (int i = 0; i < names.size() && i < ids.size(); ++i)
  {
    comboBox->addItem(names[i], ids[i]);
  }

  // Keep the selection when the volume is still listed. Otherwise nothing is selected until the user
  // chooses, so that Apply never runs on a volume the user did not pick.
  comboBox->setCurrentIndex(comboBox->findData(previousId));
  updateButtons();
}

QString
qUNetPPSettingsWidget::currentInputId() const
{
  return m_Ui->inputComboBox->currentData().toString();
}

QComboBox *
qUNetPPSettingsWidget::inputComboBox() const
{
  return m_Ui->inputComboBox;
}

void
qUNetPPSettingsWidget::setDefaultModelFile(const QString & filePath)
{
  m_DefaultModelFile = filePath;
  m_Ui->modelFileLineEdit->setPlaceholderText(
    filePath.isEmpty() ? tr("choose a model file") : tr("default: %1").arg(QFileInfo(filePath).fileName()));
  m_Ui->modelFileLineEdit->setToolTip(filePath.isEmpty() ? tr("UNet++ model file (.unetpp)")
                                                         : tr("UNet++ model file (.unetpp); leave empty for %1").arg(filePath));
  if (m_Ui->modelFileLineEdit->text().isEmpty())
  {
    loadModel(filePath);
  }
}

bool
qUNetPPSettingsWidget::setModelFile(const QString & filePath)
{
  m_Ui->modelFileLineEdit->setText(filePath);
  return loadModel(modelFile());
}

QString
qUNetPPSettingsWidget::modelFile() const
{
  const QString fieldPath = m_Ui->modelFileLineEdit->text().trimmed();
  return fieldPath.isEmpty() ? m_DefaultModelFile : fieldPath;
}

const std::optional<UNetPPModelSummary> &
qUNetPPSettingsWidget::modelSummary() const
{
  return m_ModelSummary;
}

int
qUNetPPSettingsWidget::pruningLevel() const
{
  return m_Ui->pruningLevelComboBox->currentData().toInt();
}

bool
qUNetPPSettingsWidget::setPruningLevel(int level)
{
  const int index = m_Ui->pruningLevelComboBox->findData(level);
  if (index < 0)
  {
    return false;
  }
  m_Ui->pruningLevelComboBox->setCurrentIndex(index);
  return true;
}

QString
qUNetPPSettingsWidget::inferenceMode() const
{
  return m_Ui->modeComboBox->currentText();
}

void
qUNetPPSettingsWidget::setInferenceMode(const QString & mode)
{
  const int index = m_Ui->modeComboBox->findText(mode);
  if (index >= 0)
  {
    m_Ui->modeComboBox->setCurrentIndex(index);
  }
}

QString
qUNetPPSettingsWidget::device() const
{
  return m_Ui->deviceComboBox->currentText();
}

void
qUNetPPSettingsWidget::setDevice(const QString & device)
{
  const int index = m_Ui->deviceComboBox->findText(device);
  if (index >= 0)
  {
    m_Ui->deviceComboBox->setCurrentIndex(index);
  }
}

void
qUNetPPSettingsWidget::setMeasuredSliceTime(int level, const QString & mode, double secondsPerSlice)
{
  m_MeasuredSecondsPerSlice.insert(qMakePair(level, mode), secondsPerSlice);
  updateLevelTexts();
}

bool
qUNetPPSettingsWidget::isRunning() const
{
  return m_Running;
}

void
qUNetPPSettingsWidget::setRunning(bool running)
{
  m_Running = running;
  if (running)
  {
    m_Ui->progressBar->setValue(0);
    clearError();
  }
  updateButtons();
}

void
qUNetPPSettingsWidget::setProgress(double fraction)
{
  const double clamped = std::min(1.0, std::max(0.0, fraction));
  m_Ui->progressBar->setValue(static_cast<int>(std::lround(clamped * ProgressBarMaximum)));
}

void
qUNetPPSettingsWidget::showError(const QString & message)
{
  m_Ui->errorLabel->setText(message);
  m_Ui->errorLabel->setVisible(!message.isEmpty());
}

void
qUNetPPSettingsWidget::clearError()
{
  showError(QString());
}

QString
qUNetPPSettingsWidget::errorText() const
{
  return m_Ui->errorLabel->text();
}

void
qUNetPPSettingsWidget::browseModelFile()
{
  const QString filePath = QFileDialog::getOpenFileName(this, tr("Choose a UNet++ model file"), modelFile(),
                                                        tr("UNet++ models (*.unetpp);;All files (*)"));
  if (!filePath.isEmpty())
  {
    setModelFile(filePath);
  }
}

void
qUNetPPSettingsWidget::loadModelFromField()
{
  if (m_ModelSummary && m_ModelSummary->filePath == modelFile())
  {
    return;
  }
  loadModel(modelFile());
}

bool
qUNetPPSettingsWidget::loadModel(const QString & filePath)
{
  m_ModelSummary.reset();
  m_MeasuredSecondsPerSlice.clear();
  m_Ui->modelNameLabel->setText(tr("none"));

  bool loaded = false;
  if (filePath.isEmpty())
  {
    showError(tr("No model file: choose a UNet++ model file (.unetpp)."));
  }
  else
  {
    try
    {
      m_ModelSummary = readUNetPPModelSummary(filePath);
      m_Ui->modelNameLabel->setText(m_ModelSummary->name);
      m_Ui->modelNameLabel->setToolTip(m_ModelSummary->description);
      clearError();
      loaded = true;
    }
    catch (const std::exception & error)
    {
      showError(tr("Failed to load the model: %1").arg(QString::fromLocal8Bit(error.what())));
    }
  }

  updateLevelTexts();
  updateButtons();
  if (loaded)
  {
    emit modelChanged();
  }
  return loaded;
}

void
qUNetPPSettingsWidget::updateLevelTexts()
{
  QComboBox * comboBox = m_Ui->pruningLevelComboBox;
  const QSignalBlocker blocker(comboBox);
  const int selectedLevel = pruningLevel();
  comboBox->clear();
  if (!m_ModelSummary || m_ModelSummary->levels.isEmpty())
  {
    m_Ui->speedNoteLabel->clear();
    return;
  }

  // Estimated speeds are relative to the largest level, the full network.
  const UNetPPLevelSummary & reference = m_ModelSummary->levels.back();
  bool anyEstimate = false;
  for (const UNetPPLevelSummary & level : m_ModelSummary->levels)
  {
    comboBox->addItem(levelText(level, reference), level.level);
    anyEstimate = anyEstimate || !m_MeasuredSecondsPerSlice.contains(qMakePair(level.level, inferenceMode()));
  }

  // Keep the selected level when the model has it; otherwise select the largest level, the full network.
  const int index = comboBox->findData(selectedLevel);
  comboBox->setCurrentIndex(index >= 0 ? index : comboBox->count() - 1);

  m_Ui->speedNoteLabel->setText(
    anyEstimate ? tr("Estimated speeds are ratios of parameter counts. They overstate the gain of low levels, because "
                     "the full-resolution nodes that every level keeps cost the most per parameter.")
                : QString());
}

QString
qUNetPPSettingsWidget::levelText(const UNetPPLevelSummary & level, const UNetPPLevelSummary & reference) const
{
  const qint64 count = parameterCount(level);
  const qint64 referenceParameterCount = parameterCount(reference);
  const QString prefix = tr("L%1: %2 parameters").arg(level.level).arg(formatCount(count));

  const auto measured = m_MeasuredSecondsPerSlice.constFind(qMakePair(level.level, inferenceMode()));
  if (measured != m_MeasuredSecondsPerSlice.constEnd())
  {
    return tr("%1, %2 ms per slice (measured)").arg(prefix).arg(measured.value() * 1000.0, 0, 'f', 1);
  }
  if (count >= referenceParameterCount || count <= 0)
  {
    return tr("%1, reference for the estimates").arg(prefix);
  }
  const double speedUp = static_cast<double>(referenceParameterCount) / static_cast<double>(count);
  return tr("%1, about %2x faster than L%3 (estimated)").arg(prefix).arg(speedUp, 0, 'f', 1).arg(reference.level);
}

qint64
qUNetPPSettingsWidget::parameterCount(const UNetPPLevelSummary & level) const
{
  return inferenceMode() == QLatin1String("fast") ? level.fastParameterCount : level.accurateParameterCount;
}

void
qUNetPPSettingsWidget::updateButtons()
{
  const bool hasInput = m_Ui->inputComboBox->currentIndex() >= 0 && !currentInputId().isEmpty();
  m_Ui->applyButton->setEnabled(hasInput && m_ModelSummary.has_value() && !m_Running);
  m_Ui->cancelButton->setEnabled(m_Running);

  // Settings stay fixed while a run uses them.
  for (QWidget * setting : { static_cast<QWidget *>(m_Ui->inputComboBox),
                             static_cast<QWidget *>(m_Ui->modelFileLineEdit),
                             static_cast<QWidget *>(m_Ui->browseModelButton),
                             static_cast<QWidget *>(m_Ui->pruningLevelComboBox),
                             static_cast<QWidget *>(m_Ui->modeComboBox),
                             static_cast<QWidget *>(m_Ui->deviceComboBox) })
  {
    setting->setEnabled(!m_Running);
  }
}

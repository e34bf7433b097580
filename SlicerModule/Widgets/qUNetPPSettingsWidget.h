#pragma once

#include "UNetPPModelSummary.h"

#include <QMap>
#include <QPair>
#include <QWidget>

#include <memory>
#include <optional>

class QComboBox;

namespace Ui
{
class qUNetPPSettingsWidget;
}

/**
 * Settings panel of the UNet++ segmentation: input volume, model file, pruning level, inference mode and
 * device, with Apply and Cancel buttons, a progress bar and a label for errors. The panel needs only Qt,
 * so the input selector is a plain combo box that the embedding module fills with its volumes.
 *
 * Apply is enabled only while an input is selected, a model is loaded and no run is in progress.
 * The panel shows errors (a model file that cannot be read, a failed run) in its error label instead of throwing.
 */
class qUNetPPSettingsWidget : public QWidget
{
  Q_OBJECT

public:
  explicit qUNetPPSettingsWidget(QWidget * parent = nullptr);
  ~qUNetPPSettingsWidget() override;

  /** Replaces the input choices. Each volume has a display name and an id that currentInputId() returns. */
  void setInputVolumes(const QStringList & names, const QStringList & ids);
  /** Id of the selected input volume, empty when none is selected. */
  QString currentInputId() const;
  QComboBox * inputComboBox() const;

  /** Model used while the model file field is empty, usually the bundled model. Loads it at once. */
  void setDefaultModelFile(const QString & filePath);
  /** Puts filePath in the model file field and loads it; returns false and shows the error on failure. */
  bool setModelFile(const QString & filePath);
  /** The model file that Apply uses: the field's path, or the default model when the field is empty. */
  QString modelFile() const;
  const std::optional<UNetPPModelSummary> & modelSummary() const;

  /** Selected pruning level (1 to 4), or 0 when no model is loaded. */
  int pruningLevel() const;
  /** Selects a pruning level; returns false when the loaded model does not support it. */
  bool setPruningLevel(int level);
  /** "accurate" or "fast". */
  QString inferenceMode() const;
  void setInferenceMode(const QString & mode);
  /** "auto", "cpu" or "cuda". */
  QString device() const;
  void setDevice(const QString & device);

  /**
   * Records the time per slice measured for a level and mode on this computer, for example by the last
   * run. The level list then shows this time, labelled as measured, in place of the estimate.
   */
  void setMeasuredSliceTime(int level, const QString & mode, double secondsPerSlice);

  bool isRunning() const;
  /** Switches between the idle state (Apply enabled when allowed) and a run in progress (Cancel enabled). */
  void setRunning(bool running);
  /** Progress of the current run, from 0 to 1. */
  void setProgress(double fraction);

  void showError(const QString & message);
  void clearError();
  QString errorText() const;

signals:
  void applyRequested();
  void cancelRequested();
  /** A model file was loaded; modelSummary() describes it. */
  void modelChanged();

private slots:
  void browseModelFile();
  void loadModelFromField();
  void updateLevelTexts();
  void updateButtons();

private:
  bool loadModel(const QString & filePath);
  QString levelText(const UNetPPLevelSummary & level, const UNetPPLevelSummary & reference) const;
  qint64 parameterCount(const UNetPPLevelSummary & level) const;

  std::unique_ptr<Ui::qUNetPPSettingsWidget> m_Ui;
  QString m_DefaultModelFile;
  std::optional<UNetPPModelSummary> m_ModelSummary;
  QMap<QPair<int, QString>, double> m_MeasuredSecondsPerSlice;
  bool m_Running = false;
};

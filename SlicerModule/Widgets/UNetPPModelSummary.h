#pragma once

#include <QColor>
#include <QString>
#include <QVector>

#include <optional>

/** One output class of a model, as the results table and the colour table show it. */
struct UNetPPClassSummary
{
  int labelValue = 0;
  QString name;
  QColor color;
};

/** Parameters that inference at one pruning level uses, in each inference mode. */
struct UNetPPLevelSummary
{
  int level = 0;
  qint64 accurateParameterCount = 0;
  qint64 fastParameterCount = 0;
};

/**
 * Model file facts for the settings widget: the model name, its classes and the cost of each pruning level.
 * It uses only Qt types, so that widgets and Slicer classes can include it without LibTorch headers.
 */
struct UNetPPModelSummary
{
  QString filePath;
  QString name;
  QString description;

  /** Classes in output-channel order, background first. */
  QVector<UNetPPClassSummary> classes;

  /** Pruning levels the network supports, in increasing order. */
  QVector<UNetPPLevelSummary> levels;

  /** The level with this number, or nothing when the model does not support it. */
  std::optional<UNetPPLevelSummary> findLevel(int level) const;
};

/**
 * Reads the metadata of a model file and counts the parameters of each pruning level by building its
 * network. Throws unetpp::ModelFileError (a std::runtime_error) naming the file and the fault when the
 * file is missing or is not a valid model.
 */
UNetPPModelSummary readUNetPPModelSummary(const QString & filePath);

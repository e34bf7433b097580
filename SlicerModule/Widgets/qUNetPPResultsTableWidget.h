#pragma once

#include <QColor>
#include <QString>
#include <QTableWidget>
#include <QVector>

/** Volume of one class of a labelmap. */
struct UNetPPClassVolume
{
  int labelValue = 0;
  QString name;
  QColor color;
  double volumeMl = 0.0; ///< millilitres: voxel count times the voxel volume in mm^3, divided by 1000
};

/** Table of the classes of a segmentation: label value, name, colour swatch and volume in mL. */
class qUNetPPResultsTableWidget : public QTableWidget
{
  Q_OBJECT

public:
  enum Column
  {
    LabelColumn = 0,
    NameColumn,
    ColorColumn,
    VolumeColumn,
    ColumnCount
  };

  explicit qUNetPPResultsTableWidget(QWidget * parent = nullptr);

  /** Replaces the rows, one per class, in the given order. */
  void setClassVolumes(const QVector<UNetPPClassVolume> & volumes);
};

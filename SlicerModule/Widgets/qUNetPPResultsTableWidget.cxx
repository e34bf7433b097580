#include "qUNetPPResultsTableWidget.h"

#include <QHeaderView>
#include <QPixmap>

namespace
{

constexpr int SwatchSize = 14;
constexpr int VolumeDecimals = 2;

QTableWidgetItem *
makeReadOnlyItem(const QString & text)
{
  auto * item = new QTableWidgetItem(text);
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  return item;
}

} // namespace

qUNetPPResultsTableWidget::qUNetPPResultsTableWidget(QWidget * parent)
  : QTableWidget(0, ColumnCount, parent)
{
  setHorizontalHeaderLabels({ tr("Label"), tr("Name"), tr("Colour"), tr("Volume (mL)") });
  verticalHeader()->hide();
  horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
}

void
qUNetPPResultsTableWidget::setClassVolumes(const QVector<UNetPPClassVolume> & volumes)
{
  setRowCount(volumes.size());
  for (int row = 0; row < volumes.size(); ++row)
  {
    const UNetPPClassVolume & volume = volumes[row];

    QTableWidgetItem * labelItem = makeReadOnlyItem(QString::number(volume.labelValue));
    labelItem->setData(Qt::UserRole, volume.labelValue);
    setItem(row, LabelColumn, labelItem);

    setItem(row, NameColumn, makeReadOnlyItem(volume.name));

    QPixmap swatch(SwatchSize, SwatchSize);
    swatch.fill(volume.color);
    QTableWidgetItem * colorItem = makeReadOnlyItem(volume.color.name());
    colorItem->setIcon(QIcon(swatch));
    colorItem->setData(Qt::UserRole, volume.color);
    setItem(row, ColorColumn, colorItem);

    QTableWidgetItem * volumeItem = makeReadOnlyItem(QString::number(volume.volumeMl, 'f', VolumeDecimals));
    volumeItem->setData(Qt::UserRole, volume.volumeMl);
    volumeItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    setItem(row, VolumeColumn, volumeItem);
  }
  resizeColumnToContents(LabelColumn);
  resizeColumnToContents(VolumeColumn);
}

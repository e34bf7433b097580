// Tests of the settings panel and the results table of the UNet++ Slicer module, on Qt's offscreen platform.
//
// Set UNETPP_UPDATE_DOCUMENTATION_IMAGES=1 to also write the panel screenshot to Documentation/images; by
// default the test writes it only to the build tree, so that test runs leave the source tree unchanged.

#include "UNetPPModelSummary.h"
#include "qUNetPPResultsTableWidget.h"
#include "qUNetPPSettingsWidget.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>

#include <memory>

namespace
{

const QString BundledModel = QStringLiteral(UNETPP_BUNDLED_MODEL);

#define SKIP_WITHOUT_BUNDLED_MODEL()                                                                      \
  if (!QFileInfo::exists(BundledModel))                                                                   \
  {                                                                                                       \
    GTEST_SKIP() << "bundled model " << BundledModel.toStdString() << " not found; run unetpp train first"; \
  }

template <typename TChild>
TChild *
findChildNamed(const QWidget & parent, const char * name)
{
  auto * child = parent.findChild<TChild *>(QString::fromLatin1(name));
  EXPECT_NE(child, nullptr) << "no child widget named " << name;
  return child;
}

QPushButton *
applyButton(const qUNetPPSettingsWidget & widget)
{
  return findChildNamed<QPushButton>(widget, "applyButton");
}

QPushButton *
cancelButton(const qUNetPPSettingsWidget & widget)
{
  return findChildNamed<QPushButton>(widget, "cancelButton");
}

QString
levelItemText(const qUNetPPSettingsWidget & widget, int level)
{
  const QComboBox * levels = findChildNamed<QComboBox>(widget, "pruningLevelComboBox");
  const int index = levels->findData(level);
  return index >= 0 ? levels->itemText(index) : QString();
}

} // namespace

TEST(SettingsWidget, ApplyDisabledUntilInputChosen)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  ASSERT_TRUE(widget.modelSummary().has_value()) << widget.errorText().toStdString();
  EXPECT_FALSE(applyButton(widget)->isEnabled()) << "no volumes are listed yet";

  widget.setInputVolumes({ "case 001", "case 002" }, { "vtkMRMLScalarVolumeNode1", "vtkMRMLScalarVolumeNode2" });
  EXPECT_TRUE(widget.currentInputId().isEmpty()) << "listing volumes must not select one for the user";
  EXPECT_FALSE(applyButton(widget)->isEnabled());

  widget.inputComboBox()->setCurrentIndex(1);
  EXPECT_EQ(widget.currentInputId(), QStringLiteral("vtkMRMLScalarVolumeNode2"));
  EXPECT_TRUE(applyButton(widget)->isEnabled());
  EXPECT_FALSE(cancelButton(widget)->isEnabled()) << "nothing runs, so there is nothing to cancel";
}

TEST(SettingsWidget, RunningSwapsApplyAndCancel)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  widget.setInputVolumes({ "case 001" }, { "vtkMRMLScalarVolumeNode1" });
  widget.inputComboBox()->setCurrentIndex(0);

  widget.setRunning(true);
  EXPECT_FALSE(applyButton(widget)->isEnabled());
  EXPECT_TRUE(cancelButton(widget)->isEnabled());
  EXPECT_FALSE(widget.inputComboBox()->isEnabled()) << "the input must stay fixed while a run uses it";

  // 7 of 28 slices done: the bar shows 25 %.
  widget.setProgress(7.0 / 28.0);
  EXPECT_EQ(findChildNamed<QProgressBar>(widget, "progressBar")->value(), 25);

  widget.setRunning(false);
  EXPECT_TRUE(applyButton(widget)->isEnabled());
  EXPECT_FALSE(cancelButton(widget)->isEnabled());
}

TEST(SettingsWidget, SelectionKeptWhenVolumesRelisted)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  widget.setInputVolumes({ "a", "b" }, { "id-a", "id-b" });
  widget.inputComboBox()->setCurrentIndex(1);

  // A volume added to the scene relists the volumes; the chosen one stays selected.
  widget.setInputVolumes({ "new", "a", "b" }, { "id-new", "id-a", "id-b" });
  EXPECT_EQ(widget.currentInputId(), QStringLiteral("id-b"));

  // The chosen volume removed from the scene leaves nothing selected, and Apply disabled.
  widget.setInputVolumes({ "new", "a" }, { "id-new", "id-a" });
  EXPECT_TRUE(widget.currentInputId().isEmpty());
  EXPECT_FALSE(applyButton(widget)->isEnabled());
}

TEST(SettingsWidget, MissingModelShowsError)
{
  qUNetPPSettingsWidget widget;
  widget.setInputVolumes({ "case 001" }, { "vtkMRMLScalarVolumeNode1" });
  widget.inputComboBox()->setCurrentIndex(0);

  const QString missingModel = QDir::temp().filePath("unetpp-widgets-test-missing.unetpp");
  EXPECT_FALSE(widget.setModelFile(missingModel));
  EXPECT_TRUE(widget.errorText().contains(missingModel)) << "the error must name the file: "
                                                        << widget.errorText().toStdString();
  EXPECT_TRUE(findChildNamed<QLabel>(widget, "errorLabel")->isVisibleTo(&widget));
  EXPECT_FALSE(applyButton(widget)->isEnabled()) << "Apply needs a model";
  EXPECT_EQ(widget.pruningLevel(), 0);
}

TEST(SettingsWidget, NoModelFileShowsError)
{
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(QString());
  EXPECT_FALSE(widget.errorText().isEmpty());
  EXPECT_FALSE(widget.modelSummary().has_value());
}

TEST(SettingsWidget, BundledModelLevelCounts)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  ASSERT_TRUE(widget.modelSummary().has_value()) << widget.errorText().toStdString();
  const UNetPPModelSummary & summary = *widget.modelSummary();

  // The bundled model is UNet++ with filters 16-32-64-128-256 and deep supervision, so it has levels L1-L4,
  // and its classes are background, anterior and posterior hippocampus.
  ASSERT_EQ(summary.levels.size(), 4);
  ASSERT_EQ(summary.classes.size(), 3);
  EXPECT_EQ(summary.classes[1].labelValue, 1);
  EXPECT_EQ(summary.classes[2].labelValue, 2);
  EXPECT_EQ(widget.pruningLevel(), 4) << "a new model selects the full network";

  // L1 is x(0,0), x(1,0), the up-sampling of x(1,0), x(0,1) and head 1. The model uses batch normalisation,
  // so each 3x3 convolution has no bias and is followed by 2 * filters normalisation parameters:
  //   x(0,0): 1*9*16 + 32 + 16*9*16 + 32             =  2,512
  //   x(1,0): 16*9*32 + 64 + 32*9*32 + 64            = 13,952
  //   2x2 transposed convolution 32 -> 16, with bias =  2,064
  //   x(0,1): (16+16)*9*16 + 32 + 16*9*16 + 32       =  6,976
  //   head 1: 16*3 + 3 (three classes)               =     51
  // which sums to 25,555 in both modes, because L1 has a single head.
  EXPECT_EQ(summary.levels[0].accurateParameterCount, 25555);
  EXPECT_EQ(summary.levels[0].fastParameterCount, 25555);
  EXPECT_TRUE(levelItemText(widget, 1).startsWith("L1: 25,555 parameters")) << levelItemText(widget, 1).toStdString();

  // Accurate mode adds the heads 1..k-1, 51 parameters each, to the fast count of level k.
  for (const UNetPPLevelSummary & level : summary.levels)
  {
    EXPECT_EQ(level.accurateParameterCount - level.fastParameterCount, 51 * (level.level - 1)) << "L" << level.level;
  }

  // Without measurements, speeds are the ratio of L4's parameter count to the level's, marked as estimates.
  const double expectedSpeedUp =
    static_cast<double>(summary.levels[3].accurateParameterCount) / summary.levels[0].accurateParameterCount;
  const QString l1Text = levelItemText(widget, 1);
  EXPECT_TRUE(l1Text.contains(QString("about %1x faster than L4 (estimated)").arg(expectedSpeedUp, 0, 'f', 1)))
    << l1Text.toStdString();
  EXPECT_TRUE(levelItemText(widget, 4).contains("reference")) << levelItemText(widget, 4).toStdString();
  EXPECT_FALSE(findChildNamed<QLabel>(widget, "speedNoteLabel")->text().isEmpty());
}

TEST(SettingsWidget, MeasuredTimeReplacesEstimate)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  widget.setMeasuredSliceTime(2, "accurate", 0.0125);
  EXPECT_TRUE(levelItemText(widget, 2).endsWith("12.5 ms per slice (measured)")) << levelItemText(widget, 2).toStdString();

  // The measurement is for accurate mode only, so fast mode falls back to the estimate.
  widget.setInferenceMode("fast");
  EXPECT_TRUE(levelItemText(widget, 2).endsWith("(estimated)")) << levelItemText(widget, 2).toStdString();
  EXPECT_EQ(widget.pruningLevel(), 4) << "changing the mode keeps the selected level";
}

TEST(SettingsWidget, SettingsRoundTrip)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  EXPECT_EQ(widget.modelFile(), BundledModel) << "an empty model field means the default model";

  EXPECT_TRUE(widget.setPruningLevel(2));
  EXPECT_FALSE(widget.setPruningLevel(5)) << "the bundled model has no level 5";
  EXPECT_EQ(widget.pruningLevel(), 2);
  widget.setInferenceMode("fast");
  EXPECT_EQ(widget.inferenceMode(), QStringLiteral("fast"));
  widget.setDevice("cpu");
  EXPECT_EQ(widget.device(), QStringLiteral("cpu"));
}

TEST(ResultsTable, ShowsOneRowPerClass)
{
  qUNetPPResultsTableWidget table;
  table.setClassVolumes({ { 1, "anterior hippocampus", QColor(230, 25, 75), 1.5 },
                          { 2, "posterior hippocampus", QColor(60, 180, 75), 0.248 } });

  ASSERT_EQ(table.rowCount(), 2);
  EXPECT_EQ(table.columnCount(), 4);
  EXPECT_EQ(table.item(0, qUNetPPResultsTableWidget::LabelColumn)->text(), QStringLiteral("1"));
  EXPECT_EQ(table.item(1, qUNetPPResultsTableWidget::NameColumn)->text(), QStringLiteral("posterior hippocampus"));
  EXPECT_EQ(table.item(0, qUNetPPResultsTableWidget::ColorColumn)->data(Qt::UserRole).value<QColor>(),
            QColor(230, 25, 75));
  // Volumes show two decimals; the item keeps the unrounded value for sorting and copying.
  EXPECT_EQ(table.item(0, qUNetPPResultsTableWidget::VolumeColumn)->text(), QStringLiteral("1.50"));
  EXPECT_EQ(table.item(1, qUNetPPResultsTableWidget::VolumeColumn)->text(), QStringLiteral("0.25"));
  EXPECT_DOUBLE_EQ(table.item(1, qUNetPPResultsTableWidget::VolumeColumn)->data(Qt::UserRole).toDouble(), 0.248);

  // The swatch is an icon filled with the class colour.
  const QImage swatch = table.item(1, qUNetPPResultsTableWidget::ColorColumn)->icon().pixmap(8, 8).toImage();
  ASSERT_FALSE(swatch.isNull());
  EXPECT_EQ(QColor(swatch.pixel(4, 4)), QColor(60, 180, 75));

  // A second result replaces the rows.
  table.setClassVolumes({ { 1, "anterior hippocampus", QColor(230, 25, 75), 2.0 } });
  EXPECT_EQ(table.rowCount(), 1);
}

TEST(SettingsWidget, RendersScreenshot)
{
  SKIP_WITHOUT_BUNDLED_MODEL();
  qUNetPPSettingsWidget widget;
  widget.setDefaultModelFile(BundledModel);
  widget.setInputVolumes({ "T1 volume" }, { "vtkMRMLScalarVolumeNode1" });
  widget.inputComboBox()->setCurrentIndex(0);
  widget.setPruningLevel(3);
  widget.resize(560, widget.sizeHint().height());

  const QPixmap pixmap = widget.grab();
  ASSERT_FALSE(pixmap.isNull());
  EXPECT_GE(pixmap.width(), 560);
  EXPECT_GT(pixmap.height(), 100);

  // A blank grab would be a single colour; a rendered panel has text, frames and the enabled Apply button.
  const QImage image = pixmap.toImage();
  const QRgb first = image.pixel(0, 0);
  bool hasSecondColor = false;
  for (int y = 0; y < image.height() && !hasSecondColor; y += 2)
  {
    for (int x = 0; x < image.width() && !hasSecondColor; x += 2)
    {
      hasSecondColor = image.pixel(x, y) != first;
    }
  }
  EXPECT_TRUE(hasSecondColor) << "the grabbed panel is a single colour";

  const QString buildPath = QStringLiteral(UNETPP_SCREENSHOT_BUILD_PATH);
  EXPECT_TRUE(pixmap.save(buildPath, "PNG")) << "cannot write " << buildPath.toStdString();

  if (qEnvironmentVariableIntValue("UNETPP_UPDATE_DOCUMENTATION_IMAGES") == 1)
  {
    const QString documentationPath = QStringLiteral(UNETPP_SCREENSHOT_DOCUMENTATION_PATH);
    EXPECT_TRUE(pixmap.save(documentationPath, "PNG")) << "cannot write " << documentationPath.toStdString();
  }
}

int
main(int argc, char ** argv)
{
  // The tests need no display: Qt's offscreen platform renders into memory.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
  {
    qputenv("QT_QPA_PLATFORM", "offscreen");
  }
  ::testing::InitGoogleTest(&argc, argv);
  QApplication application(argc, argv);
  return RUN_ALL_TESTS();
}

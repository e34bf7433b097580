#include "UNetPPModelSummary.h"

#include "unetpp/ModelFile.h"
#include "unetpp/UNetPlusPlus.h"

std::optional<UNetPPLevelSummary>
UNetPPModelSummary::findLevel(int level) const
{
  for (const UNetPPLevelSummary & summary : levels)
  {
    if (summary.level == level)
    {
      return summary;
    }
  }
  return std::nullopt;
}

UNetPPModelSummary
readUNetPPModelSummary(const QString & filePath)
{
  const unetpp::ModelMetadata metadata = unetpp::readModelMetadata(filePath.toStdString());

  UNetPPModelSummary summary;
  summary.filePath = filePath;
  summary.name = QString::fromStdString(metadata.name);
  summary.description = QString::fromStdString(metadata.description);
  for (const unetpp::ClassInfo & info : metadata.classes)
  {
    summary.classes.push_back(
      { info.labelValue, QString::fromStdString(info.name), QColor(info.color[0], info.color[1], info.color[2]) });
  }

  // Parameter counts depend only on the network's shape, so an untrained network with the same
  // configuration gives them without reading the weights.
  const unetpp::UNetPlusPlus network(metadata.network);
  for (const int level : network->supportedLevels())
  {
    summary.levels.push_back({ level,
                               network->parameterCount(level, unetpp::InferenceMode::Accurate),
                               network->parameterCount(level, unetpp::InferenceMode::Fast) });
  }
  return summary;
}

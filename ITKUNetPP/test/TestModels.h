#pragma once

#include "unetpp/ModelFile.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace unetpp::test
{

/** Class list with the given label values, background first; the names are "class <label value>". */
inline std::vector<ClassInfo>
classesWithLabels(const std::vector<int> & labelValues)
{
  std::vector<ClassInfo> classes;
  for (const int value : labelValues)
  {
    ClassInfo info;
    info.name = "class " + std::to_string(value);
    info.labelValue = value;
    classes.push_back(info);
  }
  return classes;
}

/**
 * Valid metadata for a small network: depth 2 (filters 8-16-32), one input channel, the given classes
 * (one output channel for two classes, a softmax over the classes otherwise), intensities used as they are.
 */
inline ModelMetadata
smallModelMetadata(const std::vector<int> & labelValues = { 0, 1 },
                   NormalizationLayer normalization = NormalizationLayer::None)
{
  ModelMetadata metadata;
  metadata.name = "small test model";
  metadata.network.filters = { 8, 16, 32 };
  metadata.network.outputChannels = labelValues.size() == 2 ? 1 : static_cast<int64_t>(labelValues.size());
  metadata.network.normalization = normalization;
  metadata.classes = classesWithLabels(labelValues);
  metadata.intensity.method = "scale";
  metadata.patchSize = { 32, 32 };
  return metadata;
}

/** A model with freshly initialised weights drawn after torch::manual_seed(seed). */
inline Model
randomModel(const ModelMetadata & metadata, uint64_t seed)
{
  torch::manual_seed(seed);
  Model model;
  model.metadata = metadata;
  model.network = UNetPlusPlus(metadata.network);
  model.network->eval();
  return model;
}

} // namespace unetpp::test

#pragma once

#include "CommandLine.h"

#include "unetpp/SegmentationEngine.h"

#include <string>

namespace unetpp
{

/**
 * Declares --device, --threads and --tta, the options of every command that runs a network.
 * `threadsHelp` describes --threads, which `batch` shares among its workers.
 */
void
addDeviceOptions(CommandLine & commandLine, const std::string & threadsHelp = "CPU threads (0: every core)");

/** Declares --level and --mode, for commands that run one pruning level in one mode. */
void
addLevelAndModeOptions(CommandLine & commandLine);

/**
 * Reads --device, --threads and --tta into `options`. Throws UsageError naming the option for a value out of
 * range or --tta with a model trained without flips, and std::invalid_argument when --device cuda finds no GPU,
 * so that a long command fails before it starts.
 */
void
readDeviceOptions(const CommandLine & commandLine, const Model & model, InferenceOptions & options);

/**
 * Reads --level (default: the model's deepest), --mode and the device options. Throws UsageError naming the
 * option when the level is not one of the model's or the mode is unknown.
 */
InferenceOptions
inferenceOptionsFrom(const CommandLine & commandLine, const Model & model);

} // namespace unetpp

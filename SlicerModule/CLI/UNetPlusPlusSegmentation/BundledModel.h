#pragma once

#include <string>

namespace unetpp::slicer
{

/** File name of the bundled model: UNet++ for the hippocampus on T1 MRI crops. */
constexpr const char * BundledModelFileName = "hippocampus.unetpp";

/**
 * Path of the bundled model: $UNETPP_MODEL_DIR when set, then the installed models folder relative to the
 * module's executable (UNETPP_CLI_MODELS_RELATIVE_DIR, set by CMake from the install layout), then the
 * source tree's Data folder for a module run from its build folder. `programPath` is argv[0], used when
 * /proc/self/exe cannot be read. Throws std::runtime_error listing the places searched when none contains the file.
 */
std::string
findBundledModel(const std::string & programPath);

} // namespace unetpp::slicer

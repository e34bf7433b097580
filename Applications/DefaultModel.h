#pragma once

#include <string>

namespace unetpp
{

/** File name of the bundled default model (UNet++ for the hippocampus on T1 MRI crops). */
constexpr const char * DefaultModelFileName = "hippocampus.unetpp";

/**
 * Path of the bundled default model: $UNETPP_MODEL_DIR when set, then the installed share folder next to the
 * executable (../share/unetpp/models), then the source tree's Data folder for a build that is not installed.
 * Throws std::invalid_argument listing the places searched when none contains the file.
 */
std::string findDefaultModel();

} // namespace unetpp

#pragma once

#include <string>

namespace unetpp
{

/** Quotes a CSV field that contains a comma, a quote or a line break (RFC 4180). */
std::string csvField(const std::string & text);

} // namespace unetpp

#pragma once

#include <string>
#include <utility>
#include <vector>

namespace unetpp::slicer
{

/**
 * Writes return parameters as Slicer reads them back after the module exits: one "name = value" line per
 * output parameter. Throws std::runtime_error naming the file when it cannot be written.
 */
void
writeReturnParameters(const std::string & path, const std::vector<std::pair<std::string, std::string>> & parameters);

/**
 * Joins the elements of a string-vector parameter with commas. Commas and line breaks inside an element become
 * spaces, because Slicer splits the value at commas.
 */
std::string
joinStringVector(const std::vector<std::string> & elements);

} // namespace unetpp::slicer

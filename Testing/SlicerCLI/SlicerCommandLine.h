#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace unetpp::testing
{

/** One parameter of a SlicerExecutionModel description, with the fields that decide how Slicer passes it. */
struct ModuleParameter
{
  std::string tag; ///< element name: image, file, string-enumeration, integer, ...
  std::string name;
  std::string type; ///< the "type" attribute of images (scalar, label, vector), empty otherwise
  std::string flag;
  std::string longFlag;
  std::optional<int> index;
  std::string channel;
  std::string defaultValue;
  std::vector<std::string> elements; ///< values of an enumeration
};

/** Reads the parameters of every <parameters> group of a module description, in document order. */
std::vector<ModuleParameter>
readModuleParameters(const std::string & descriptionXml);

/** The parameter called `name`; throws std::out_of_range when the description has none. */
const ModuleParameter &
findParameter(const std::vector<ModuleParameter> & parameters, const std::string & name);

/**
 * Builds the arguments that 3D Slicer passes to a CLI executable, following Slicer's vtkSlicerCLIModuleLogic.
 * The order is: --returnparameterfile when the module has return parameters, then every flagged parameter in
 * description order, then the index parameters in index order. A boolean is a bare flag, present when true.
 * Files, strings, vectors and volumes are passed only when set, and every other parameter always.
 * `values` contains the value of each parameter set by the user (file paths for volumes), and the others
 * keep their default. Throws std::invalid_argument for an unset index parameter, because Slicer does not
 * run a module without it.
 */
std::vector<std::string>
slicerCommandLine(const std::vector<ModuleParameter> & parameters, const std::map<std::string, std::string> & values,
                  const std::string & returnParameterFile);

} // namespace unetpp::testing

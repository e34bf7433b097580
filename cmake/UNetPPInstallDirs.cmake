# Install folders, relative to the install prefix, shared by the main project and the Slicer extension build.
#
# UNETPP_INSTALL_MODELS_DIR       bundled models (*.unetpp) and their model cards. The unetpp command looks
#                                 for them in ../share/unetpp/models next to its own folder.
# UNETPP_INSTALL_CLI_MODULES_DIR  the Slicer CLI module executable: the folder to add to Slicer's
#                                 "Additional module paths".
# UNETPP_INSTALL_CMAKE_DIR        the CMake package configuration for find_package(ITKUNetPP).
#
# A Slicer extension build (Slicer_INSTALL_CLIMODULES_BIN_DIR defined by Slicer's use file) installs into
# Slicer's extension layout instead.

include(GNUInstallDirs)

if(DEFINED Slicer_INSTALL_CLIMODULES_BIN_DIR)
  set(UNETPP_INSTALL_CLI_MODULES_DIR ${Slicer_INSTALL_CLIMODULES_BIN_DIR})
  set(UNETPP_INSTALL_MODELS_DIR ${Slicer_INSTALL_SHARE_DIR}/UNetPlusPlus/models)
else()
  set(UNETPP_INSTALL_CLI_MODULES_DIR ${CMAKE_INSTALL_LIBDIR}/unetpp/cli-modules)
  set(UNETPP_INSTALL_MODELS_DIR ${CMAKE_INSTALL_DATADIR}/unetpp/models)
endif()
set(UNETPP_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ITKUNetPP)

# Install rules of the UNet++ project: the core library, its headers, the CMake package configuration that
# find_package(ITKUNetPP) reads, and the bundled models. The unetpp command and the CLI module install
# themselves (Applications/ and SlicerModule/).
#
# Consumers link the imported targets ITKUNetPP::Core (LibTorch only) and ITKUNetPP::ITK (the ITK filter,
# header-only over the core). The build tree has the same names as aliases.

include(CMakePackageConfigHelpers)
include(${CMAKE_CURRENT_LIST_DIR}/UNetPPInstallDirs.cmake)

set(unetpp_exported_targets UNetPPCore)
set_target_properties(UNetPPCore PROPERTIES EXPORT_NAME Core)
add_library(ITKUNetPP::Core ALIAS UNetPPCore)
if(UNETPP_BUILD_ITK)
  list(APPEND unetpp_exported_targets UNetPPITK)
  set_target_properties(UNetPPITK PROPERTIES EXPORT_NAME ITK)
  add_library(ITKUNetPP::ITK ALIAS UNetPPITK)
endif()

install(TARGETS ${unetpp_exported_targets} EXPORT ITKUNetPPTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT RuntimeLibraries
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT RuntimeLibraries)

# The targets' include directory is ${CMAKE_INSTALL_INCLUDEDIR}/ITKUNetPP (see ITKUNetPP/CMakeLists.txt).
set(unetpp_header_patterns PATTERN "*.h" PATTERN "*.hxx")
if(NOT UNETPP_BUILD_ITK)
  list(APPEND unetpp_header_patterns PATTERN "itk*" EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/ITKUNetPP/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ITKUNetPP
  COMPONENT Development FILES_MATCHING ${unetpp_header_patterns})

# NOTE: the exported link interface names some LibTorch and ITK files by their absolute paths on the build
# machine (for example libc10.so), so the installed package needs the LibTorch and ITK it was built against.
install(EXPORT ITKUNetPPTargets NAMESPACE ITKUNetPP:: DESTINATION ${UNETPP_INSTALL_CMAKE_DIR}
  COMPONENT Development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ITKUNetPPConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ITKUNetPPConfig.cmake
  INSTALL_DESTINATION ${UNETPP_INSTALL_CMAKE_DIR}
  PATH_VARS UNETPP_INSTALL_MODELS_DIR)
# Versions before 1.0 may change the interface with every minor version.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ITKUNetPPConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ITKUNetPPConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/ITKUNetPPConfigVersion.cmake
  DESTINATION ${UNETPP_INSTALL_CMAKE_DIR} COMPONENT Development)

# The unetpp command and the CLI module find the default model here, relative to their own folders.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/Data/ DESTINATION ${UNETPP_INSTALL_MODELS_DIR} COMPONENT RuntimeLibraries
  FILES_MATCHING PATTERN "*.unetpp" PATTERN "*.md")

# The UNet++ project itself, from this source tree, built last against the dependencies above.
get_filename_component(UNETPP_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/.. ABSOLUTE)

set(unetpp_build_command ${CMAKE_COMMAND} --build <BINARY_DIR>)
if(NOT UNETPP_SUPERBUILD_TARGETS STREQUAL "all")
  list(APPEND unetpp_build_command --target ${UNETPP_SUPERBUILD_TARGETS})
endif()
if(UNETPP_SUPERBUILD_INSTALL)
  set(unetpp_install_command ${CMAKE_COMMAND} --install <BINARY_DIR>)
else()
  # An empty INSTALL_COMMAND argument would disappear on expansion and leave ExternalProject's default install.
  set(unetpp_install_command ${CMAKE_COMMAND} -E echo "UNETPP_SUPERBUILD_INSTALL is OFF: UNet++ is not installed")
endif()

# The dependencies' shared libraries are installed in one prefix, which the UNet++ programs find at run time
# through their RPATH.
ExternalProject_Add(UNetPlusPlus
  SOURCE_DIR ${UNETPP_SOURCE_DIR}
  BINARY_DIR ${CMAKE_BINARY_DIR}/UNetPlusPlus-build
  CMAKE_CACHE_ARGS
    -DCMAKE_BUILD_TYPE:STRING=${CMAKE_BUILD_TYPE}
    -DCMAKE_C_COMPILER:FILEPATH=${CMAKE_C_COMPILER}
    -DCMAKE_CXX_COMPILER:FILEPATH=${CMAKE_CXX_COMPILER}
    -DCMAKE_INSTALL_PREFIX:PATH=${CMAKE_INSTALL_PREFIX}
    -DCMAKE_INSTALL_RPATH:STRING=${UNETPP_DEPENDENCIES_PREFIX}/lib
    -DBUILD_TESTING:BOOL=${UNETPP_SUPERBUILD_TESTING}
    ${UNETPP_PACKAGE_CACHE_ARGS}
  BUILD_COMMAND ${unetpp_build_command}
  INSTALL_COMMAND ${unetpp_install_command}
  BUILD_ALWAYS ON
  DEPENDS ${UNETPP_DEPENDS}
)

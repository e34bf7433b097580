# Runs the SuperBuild in UNETPP_TEST_DIR (removed first) with the system packages, and checks that the
# inner project built the UNet++ core library. Run by the test SuperBuild.SystemPackagesBuildCore.
foreach(variable UNETPP_SOURCE_DIR UNETPP_TEST_DIR UNETPP_GENERATOR UNETPP_BUILD_TYPE)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "RunSuperBuild.cmake needs -D${variable}=...")
  endif()
endforeach()

file(REMOVE_RECURSE ${UNETPP_TEST_DIR})

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${UNETPP_SOURCE_DIR}/SuperBuild -B ${UNETPP_TEST_DIR} -G ${UNETPP_GENERATOR}
    -DCMAKE_BUILD_TYPE=${UNETPP_BUILD_TYPE}
    -DUSE_SYSTEM_LibTorch=ON -DUSE_SYSTEM_ITK=ON -DUSE_SYSTEM_DCMTK=ON -DUSE_SYSTEM_GTest=ON
    -DUNETPP_SUPERBUILD_TARGETS=UNetPPCore
    -DUNETPP_SUPERBUILD_TESTING=OFF
    -DUNETPP_SUPERBUILD_INSTALL=OFF
  RESULT_VARIABLE configure_result)
if(NOT configure_result EQUAL 0)
  message(FATAL_ERROR "configuring the SuperBuild in ${UNETPP_TEST_DIR} failed with ${configure_result}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${UNETPP_TEST_DIR} RESULT_VARIABLE build_result)
if(NOT build_result EQUAL 0)
  message(FATAL_ERROR "building the SuperBuild in ${UNETPP_TEST_DIR} failed with ${build_result}")
endif()

# The inner project is a static core library by default (add_library without SHARED).
file(GLOB core_library ${UNETPP_TEST_DIR}/UNetPlusPlus-build/ITKUNetPP/libUNetPPCore.*)
if(NOT core_library)
  message(FATAL_ERROR "the SuperBuild finished, but ${UNETPP_TEST_DIR}/UNetPlusPlus-build/ITKUNetPP has no "
    "libUNetPPCore library")
endif()
message(STATUS "SuperBuild built ${core_library}")

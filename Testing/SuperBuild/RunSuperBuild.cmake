# Runs the SuperBuild in UNETPP_TEST_DIR (removed first) with the system packages, and checks that the
# inner project built the unetpp command and that it runs. Run by the test SuperBuild.SystemPackagesBuildProgram.
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
    -DUNETPP_SUPERBUILD_TARGETS=unetpp
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

# The unetpp command links the core library and the ITK parts, so building it builds the whole product
# apart from the tests, the examples and the Slicer module.
set(program ${UNETPP_TEST_DIR}/UNetPlusPlus-build/Applications/unetpp)
if(NOT EXISTS ${program})
  message(FATAL_ERROR "the SuperBuild finished, but ${program} was not built")
endif()
execute_process(COMMAND ${program} --help RESULT_VARIABLE run_result OUTPUT_VARIABLE run_output)
if(NOT run_result EQUAL 0 OR NOT run_output MATCHES "segment")
  message(FATAL_ERROR "${program} --help failed with ${run_result}: ${run_output}")
endif()
message(STATUS "SuperBuild built ${program}")

# GoogleTest from its GitHub release archive, without GoogleMock, which the tests do not use.
set(UNETPP_GTEST_VERSION "1.14.0" CACHE STRING "GoogleTest version to build")
set(UNETPP_GTEST_URL "https://github.com/google/googletest/archive/refs/tags/v${UNETPP_GTEST_VERSION}.tar.gz"
  CACHE STRING "GoogleTest source archive to download when USE_SYSTEM_GTest is OFF")
set(UNETPP_GTEST_SHA256 "" CACHE STRING "SHA-256 checksum of the archive at UNETPP_GTEST_URL")

if(NOT USE_SYSTEM_GTest)
  unetpp_superbuild_require_sha256(GTest UNETPP_GTEST_URL UNETPP_GTEST_SHA256)
  ExternalProject_Add(GTest
    URL ${UNETPP_GTEST_URL}
    URL_HASH SHA256=${UNETPP_GTEST_SHA256}
    DOWNLOAD_NO_PROGRESS ON
    CMAKE_CACHE_ARGS
      ${UNETPP_COMMON_CACHE_ARGS}
      -DBUILD_GMOCK:BOOL=OFF
      -DINSTALL_GTEST:BOOL=ON
  )
  list(APPEND UNETPP_DEPENDS GTest)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DGTest_DIR:PATH=${UNETPP_DEPENDENCIES_PREFIX}/lib/cmake/GTest)
elseif(GTest_DIR)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DGTest_DIR:PATH=${GTest_DIR})
endif()

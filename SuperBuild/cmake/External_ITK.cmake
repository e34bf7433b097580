# ITK 5 from its GitHub release archive, with the default modules (GDCM, NIfTI, NRRD, MetaImage, PNG and TIFF
# IO among them) and without ITK's own tests and examples.
set(UNETPP_ITK_VERSION "5.3.0" CACHE STRING "ITK version to build")
set(UNETPP_ITK_URL
  "https://github.com/InsightSoftwareConsortium/ITK/releases/download/v${UNETPP_ITK_VERSION}/InsightToolkit-${UNETPP_ITK_VERSION}.tar.gz"
  CACHE STRING "ITK source archive to download when USE_SYSTEM_ITK is OFF")
set(UNETPP_ITK_SHA256 "" CACHE STRING "SHA-256 checksum of the archive at UNETPP_ITK_URL")

if(NOT USE_SYSTEM_ITK)
  unetpp_superbuild_require_sha256(ITK UNETPP_ITK_URL UNETPP_ITK_SHA256)
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" unetpp_itk_series ${UNETPP_ITK_VERSION})
  ExternalProject_Add(ITK
    URL ${UNETPP_ITK_URL}
    URL_HASH SHA256=${UNETPP_ITK_SHA256}
    DOWNLOAD_NO_PROGRESS ON
    CMAKE_CACHE_ARGS
      ${UNETPP_COMMON_CACHE_ARGS}
      -DBUILD_TESTING:BOOL=OFF
      -DBUILD_EXAMPLES:BOOL=OFF
      -DBUILD_SHARED_LIBS:BOOL=ON
      -DITK_BUILD_DEFAULT_MODULES:BOOL=ON
  )
  list(APPEND UNETPP_DEPENDS ITK)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DITK_DIR:PATH=${UNETPP_DEPENDENCIES_PREFIX}/lib/cmake/ITK-${unetpp_itk_series})
elseif(ITK_DIR)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DITK_DIR:PATH=${ITK_DIR})
endif()

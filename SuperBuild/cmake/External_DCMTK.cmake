# DCMTK from OFFIS's source archive, for DICOM series, DICOM SEG (dcmseg) and network (dcmnet) handling.
set(UNETPP_DCMTK_VERSION "3.6.7" CACHE STRING "DCMTK version to build")
string(REPLACE "." "" unetpp_dcmtk_folder ${UNETPP_DCMTK_VERSION})
set(UNETPP_DCMTK_URL
  "https://dicom.offis.de/download/dcmtk/dcmtk${unetpp_dcmtk_folder}/dcmtk-${UNETPP_DCMTK_VERSION}.tar.gz"
  CACHE STRING "DCMTK source archive to download when USE_SYSTEM_DCMTK is OFF")
set(UNETPP_DCMTK_SHA256 "" CACHE STRING "SHA-256 checksum of the archive at UNETPP_DCMTK_URL")

if(NOT USE_SYSTEM_DCMTK)
  unetpp_superbuild_require_sha256(DCMTK UNETPP_DCMTK_URL UNETPP_DCMTK_SHA256)
  ExternalProject_Add(DCMTK
    URL ${UNETPP_DCMTK_URL}
    URL_HASH SHA256=${UNETPP_DCMTK_SHA256}
    DOWNLOAD_NO_PROGRESS ON
    CMAKE_CACHE_ARGS
      ${UNETPP_COMMON_CACHE_ARGS}
      -DBUILD_SHARED_LIBS:BOOL=ON
      -DBUILD_APPS:BOOL=OFF
      -DDCMTK_WITH_DOXYGEN:BOOL=OFF
  )
  list(APPEND UNETPP_DEPENDS DCMTK)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DDCMTK_DIR:PATH=${UNETPP_DEPENDENCIES_PREFIX}/lib/cmake/dcmtk)
elseif(DCMTK_DIR)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DDCMTK_DIR:PATH=${DCMTK_DIR})
endif()

# LibTorch: the official prebuilt archives from download.pytorch.org (C++11 ABI, shared libraries with their
# dependencies). UNETPP_LIBTORCH_CUDA chooses the CUDA build over the CPU build. Nothing is compiled: the
# archive is unpacked and the UNet++ project finds it through Torch_DIR.
set(UNETPP_LIBTORCH_VERSION "2.1.2" CACHE STRING "LibTorch version to download")
option(UNETPP_LIBTORCH_CUDA "Download the CUDA build of LibTorch instead of the CPU build" OFF)
set(UNETPP_LIBTORCH_CUDA_VARIANT "cu121" CACHE STRING
  "CUDA variant of the LibTorch archive (cu118, cu121, ...): the folder name on download.pytorch.org")

if(UNETPP_LIBTORCH_CUDA)
  set(unetpp_libtorch_variant ${UNETPP_LIBTORCH_CUDA_VARIANT})
else()
  set(unetpp_libtorch_variant cpu)
endif()
# '%2B' is the URL encoding of the '+' in version names such as 2.1.2+cpu.
set(UNETPP_LIBTORCH_URL
  "https://download.pytorch.org/libtorch/${unetpp_libtorch_variant}/libtorch-cxx11-abi-shared-with-deps-${UNETPP_LIBTORCH_VERSION}%2B${unetpp_libtorch_variant}.zip"
  CACHE STRING "LibTorch archive to download when USE_SYSTEM_LibTorch is OFF")
set(UNETPP_LIBTORCH_SHA256 "" CACHE STRING "SHA-256 checksum of the archive at UNETPP_LIBTORCH_URL")

if(NOT USE_SYSTEM_LibTorch)
  unetpp_superbuild_require_sha256(LibTorch UNETPP_LIBTORCH_URL UNETPP_LIBTORCH_SHA256)
  ExternalProject_Add(LibTorch
    URL ${UNETPP_LIBTORCH_URL}
    URL_HASH SHA256=${UNETPP_LIBTORCH_SHA256}
    DOWNLOAD_NO_PROGRESS ON
    SOURCE_DIR ${CMAKE_BINARY_DIR}/libtorch
    CONFIGURE_COMMAND ""
    BUILD_COMMAND ""
    INSTALL_COMMAND ""
  )
  list(APPEND UNETPP_DEPENDS LibTorch)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DTorch_DIR:PATH=${CMAKE_BINARY_DIR}/libtorch/share/cmake/Torch)
elseif(Torch_DIR)
  list(APPEND UNETPP_PACKAGE_CACHE_ARGS -DTorch_DIR:PATH=${Torch_DIR})
endif()

#!/usr/bin/env bash
# Installs the Debian packages that building and testing this project need.
#
# Checks each package with dpkg-query first, so a second run changes nothing and prints one line.
# Runs apt-get only for the missing packages, through sudo when not run as root.
# Written for Debian 12 (bookworm), whose libtorch-dev (1.13) and libinsighttoolkit5-dev (5.2) the
# project is built against.
set -euo pipefail

readonly REQUIRED_PACKAGES=(
  # Compiler and build tools.
  g++
  cmake
  ninja-build
  pkg-config
  # LibTorch, the network's runtime.
  libtorch-dev
  # ITK image IO and the ITK filter. GDCM's CMake targets name the gdcmdump, gdcmdiff and gdcmraw
  # programs, so find_package(ITK) fails unless libgdcm-tools is installed as well.
  libinsighttoolkit5-dev
  libgdcm-tools
  # DICOM series, DICOM SEG and network handling.
  libdcmtk-dev
  # Model file metadata.
  nlohmann-json3-dev
  # Checking that compressed NIfTI input is complete.
  zlib1g-dev
  # Tests. xmllint (libxml2-utils) validates the Slicer CLI module's XML description; dciodvfy
  # (dicom3tools) checks the DICOM Segmentation objects that unetpp batch writes.
  libgtest-dev
  libxml2-utils
  dicom3tools
  # Qt 5 Widgets for the settings and results widgets of the Slicer panel, tested offscreen.
  qtbase5-dev
  # Downloading the sample image outside a development checkout, and the test that serves it over
  # loopback with python3 -m http.server.
  curl
  ca-certificates
  python3
  # Drawing the pruning plot of Documentation/results.md from its CSV files (scripts/plot-pruning.gp).
  gnuplot-nox
)

fail() {
  echo "install-dependencies: $*" >&2
  exit 1
}

require_debian() {
  local os_release=/etc/os-release
  if [[ ! -r "$os_release" ]] || ! command -v dpkg-query > /dev/null || ! command -v apt-get > /dev/null; then
    fail "this script installs Debian packages with apt-get and needs a Debian 12 system;" \
      "on other systems install LibTorch, ITK 5, DCMTK, GoogleTest, nlohmann-json, CMake and Ninja yourself" \
      "and configure with cmake --preset release"
  fi

  local id="" id_like="" version_id=""
  # shellcheck source=/dev/null
  id="$(. "$os_release" && echo "${ID:-}")"
  # shellcheck source=/dev/null
  id_like="$(. "$os_release" && echo "${ID_LIKE:-}")"
  # shellcheck source=/dev/null
  version_id="$(. "$os_release" && echo "${VERSION_ID:-}")"

  if [[ "$id" != "debian" && " $id_like " != *" debian "* ]]; then
    fail "this system is '${id:-unknown}', not Debian or a Debian derivative;" \
      "install the dependencies listed in $0 with your package manager, then configure with cmake --preset release"
  fi
  if [[ "$id" != "debian" || "$version_id" != "12" ]]; then
    echo "install-dependencies: package names are those of Debian 12; this system is ${id} ${version_id}," \
      "so some packages may be missing or have other versions" >&2
  fi
}

is_installed() {
  [[ "$(dpkg-query --show --showformat='${Status}' "$1" 2> /dev/null)" == "install ok installed" ]]
}

main() {
  require_debian

  local missing=()
  local package
  for package in "${REQUIRED_PACKAGES[@]}"; do
    if ! is_installed "$package"; then
      missing+=("$package")
    fi
  done

  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-dependencies: all ${#REQUIRED_PACKAGES[@]} required Debian packages are installed"
    return 0
  fi

  local run_as_root=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo > /dev/null || fail "missing packages: ${missing[*]}; run this script as root or install sudo"
    run_as_root=(sudo)
  fi

  echo "install-dependencies: installing ${missing[*]}"
  "${run_as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${run_as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

main "$@"

#!/usr/bin/env bash
# Downloads one sample image and accepts it only when its SHA-256 matches.
#
# The default sample is hippocampus_001.nii.gz, a T1 MRI crop around the hippocampus from the Medical
# Segmentation Decathlon, Task04 Hippocampus (CC BY-SA 4.0), as published in the GitHub repository
# udacity/nd320-c3-3d-imaging-starter at commit 895fee683624aafe2033521f4d9b6d99accd66d5.
# The download goes to a temporary file next to the output and is renamed only after the checksum
# matches, so the output path never contains a partial or unverified file.
set -euo pipefail

readonly DEFAULT_URL="https://raw.githubusercontent.com/udacity/nd320-c3-3d-imaging-starter/895fee683624aafe2033521f4d9b6d99accd66d5/data/TrainingSet/images/hippocampus_001.nii.gz"
readonly DEFAULT_SHA256="ab47d6115b412ffaba041cbf48962967127f199f39eb56c777a6bb3746353b4a"

usage() {
  cat << EOF
Usage: $(basename "$0") [--url URL] [--sha256 HEX] OUTPUT

Downloads URL to OUTPUT and keeps it only if its SHA-256 equals HEX.
If OUTPUT already exists with the expected SHA-256, nothing is downloaded.

Options:
  --url URL      file to download; default: \$UNETPP_SAMPLE_URL, else the Decathlon hippocampus_001.nii.gz
  --sha256 HEX   expected SHA-256 (64 hex digits); default: \$UNETPP_SAMPLE_SHA256, else the checksum
                 of the default file. Set it whenever you change the URL.
  -h, --help     show this help

Environment:
  UNETPP_DOWNLOADER  curl or wget; default: curl when installed, else wget
EOF
}

fail() {
  echo "fetch-sample-data: $*" >&2
  exit 1
}

sha256_of() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum > /dev/null; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    fail "neither sha256sum nor shasum is installed, so the download cannot be verified"
  fi
}

choose_downloader() {
  local downloader="${UNETPP_DOWNLOADER:-}"
  if [[ -z "$downloader" ]]; then
    if command -v curl > /dev/null; then
      downloader=curl
    elif command -v wget > /dev/null; then
      downloader=wget
    else
      fail "neither curl nor wget is installed; install one of them (Debian: apt-get install curl)"
    fi
  fi
  case "$downloader" in
    curl | wget) command -v "$downloader" > /dev/null || fail "UNETPP_DOWNLOADER is $downloader, but $downloader is not installed" ;;
    *) fail "invalid UNETPP_DOWNLOADER '$downloader'; expected curl or wget" ;;
  esac
  echo "$downloader"
}

# Writes URL to FILE. Both programs fail on HTTP errors and retry transient network failures.
download() {
  local downloader="$1" url="$2" file="$3"
  case "$downloader" in
    curl) curl --fail --silent --show-error --location --retry 3 --connect-timeout 30 --output "$file" "$url" ;;
    wget) wget --quiet --tries=3 --timeout=30 --output-document="$file" "$url" ;;
  esac
}

main() {
  local url="${UNETPP_SAMPLE_URL:-$DEFAULT_URL}"
  local expected_sha256="${UNETPP_SAMPLE_SHA256:-$DEFAULT_SHA256}"
  local output=""

  while [[ $# -gt 0 ]]; do
    case "$1" in
      --url)
        [[ $# -ge 2 ]] || fail "--url needs a value"
        url="$2"
        shift 2
        ;;
      --sha256)
        [[ $# -ge 2 ]] || fail "--sha256 needs a value"
        expected_sha256="$2"
        shift 2
        ;;
      -h | --help)
        usage
        return 0
        ;;
      -*) fail "unknown option '$1'; run with --help for the options" ;;
      *)
        [[ -z "$output" ]] || fail "more than one OUTPUT given ('$output' and '$1')"
        output="$1"
        shift
        ;;
    esac
  done

  [[ -n "$output" ]] || fail "missing OUTPUT; run with --help for usage"
  expected_sha256="${expected_sha256,,}"
  [[ "$expected_sha256" =~ ^[0-9a-f]{64}$ ]] ||
    fail "invalid SHA-256 '$expected_sha256': expected 64 hexadecimal digits"

  if [[ -e "$output" ]]; then
    local existing_sha256
    existing_sha256="$(sha256_of "$output")"
    if [[ "$existing_sha256" == "$expected_sha256" ]]; then
      echo "fetch-sample-data: $output is already present and its SHA-256 matches"
      return 0
    fi
    fail "$output already exists with SHA-256 $existing_sha256, expected $expected_sha256;" \
      "delete it or choose another OUTPUT"
  fi

  local downloader
  downloader="$(choose_downloader)"
  mkdir -p "$(dirname "$output")"

  # The temporary file sits in the output's folder so that the final rename stays on one file system.
  local partial
  partial="$(mktemp "${output}.part.XXXXXX")"
  trap 'rm -f "$partial"' EXIT

  echo "fetch-sample-data: downloading $url"
  download "$downloader" "$url" "$partial" || fail "download of $url failed ($downloader exit status $?)"

  local actual_sha256
  actual_sha256="$(sha256_of "$partial")"
  if [[ "$actual_sha256" != "$expected_sha256" ]]; then
    fail "SHA-256 of the file downloaded from $url is $actual_sha256, expected $expected_sha256;" \
      "the file was deleted. Check the URL, or pass --sha256 if the file is meant to differ"
  fi

  # mktemp creates the file readable by its owner only; give it the permissions a new file gets.
  chmod "$(umask -S | tr -d x)" "$partial"
  mv -f "$partial" "$output"
  trap - EXIT
  echo "fetch-sample-data: saved $output (SHA-256 verified)"
}

main "$@"

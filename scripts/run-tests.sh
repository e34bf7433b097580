#!/usr/bin/env bash
# Installs the dependencies, builds a preset with its tests and runs them with CTest.
#
# Usage: scripts/run-tests.sh [release|debug] [CTEST_ARGUMENTS...]
# The preset defaults to release, which shares its build folder (build/release) with
# scripts/run-main-job.sh. Arguments after the preset go to ctest, for example -R FetchSampleData.
# CMAKE_BUILD_PARALLEL_LEVEL limits the number of compile jobs.
set -euo pipefail

REPOSITORY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPOSITORY_ROOT

fail() {
  echo "run-tests: $*" >&2
  exit 1
}

main() {
  local preset=release
  if [[ $# -gt 0 && "$1" != -* ]]; then
    preset="$1"
    shift
  fi
  case "$preset" in
    release | debug) ;;
    *) fail "unknown preset '$preset'; expected release or debug" ;;
  esac

  "$REPOSITORY_ROOT/scripts/install-dependencies.sh"

  cd "$REPOSITORY_ROOT"
  echo "run-tests: configuring and building the $preset preset in build/$preset"
  cmake --preset "$preset"
  cmake --build --preset "$preset"

  echo "run-tests: running the tests"
  ctest --preset "$preset" "$@"
}

main "$@"

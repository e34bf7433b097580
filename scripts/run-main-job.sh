#!/usr/bin/env bash
# Builds the unetpp command and segments a real T1 MRI hippocampus crop with the bundled default model.
#
# Usage: scripts/run-main-job.sh [OUTPUT]
# OUTPUT is the labelmap to write (default: out/hippocampus-labelmap.nii.gz in the repository).
#
# The input image, in order of preference:
#   1. ../shared/data/mr-dicom-studies/Study1/13_HCropVolume, a DICOM hippocampus crop series with no
#      training label and not part of the default model's training data;
#   2. ../shared/data/hippocampus/imagesTr/hippocampus_001.nii.gz;
#   3. the same NIfTI file downloaded from its public source by scripts/fetch-sample-data.sh, with a
#      SHA-256 check. UNETPP_SAMPLE_URL and UNETPP_SAMPLE_SHA256 override the source.
# Paths 2 and 3 use a Medical Segmentation Decathlon training case, which the default model may have
# been trained on, so the result then shows that the command works but does not measure accuracy.
set -euo pipefail

REPOSITORY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPOSITORY_ROOT
readonly PRESET=release
readonly UNETPP="$REPOSITORY_ROOT/build/$PRESET/Applications/unetpp"
readonly DEFAULT_MODEL="$REPOSITORY_ROOT/Data/hippocampus.unetpp"
readonly SHARED_DATA="$REPOSITORY_ROOT/../shared/data"
readonly SHARED_DICOM_SERIES="$SHARED_DATA/mr-dicom-studies/Study1/13_HCropVolume"
readonly SHARED_NIFTI="$SHARED_DATA/hippocampus/imagesTr/hippocampus_001.nii.gz"
readonly DOWNLOADED_NIFTI="$REPOSITORY_ROOT/build/sample-data/hippocampus_001.nii.gz"

log() {
  echo "run-main-job: $*"
}

fail() {
  echo "run-main-job: $*" >&2
  exit 1
}

# Prints the image to segment, downloading it when no shared copy exists.
choose_input() {
  if [[ -d "$SHARED_DICOM_SERIES" ]]; then
    log "input: DICOM series $SHARED_DICOM_SERIES (hippocampus crop, TCIA Brain-Tumor-Progression, CC BY 3.0)" >&2
    echo "$SHARED_DICOM_SERIES"
  elif [[ -f "$SHARED_NIFTI" ]]; then
    log "input: $SHARED_NIFTI (Medical Segmentation Decathlon Task04 training case, CC BY-SA 4.0)" >&2
    echo "$SHARED_NIFTI"
  else
    log "no shared data folder at $SHARED_DATA; downloading the public sample image" >&2
    "$REPOSITORY_ROOT/scripts/fetch-sample-data.sh" "$DOWNLOADED_NIFTI" >&2
    log "input: $DOWNLOADED_NIFTI (Medical Segmentation Decathlon Task04 training case, CC BY-SA 4.0)" >&2
    echo "$DOWNLOADED_NIFTI"
  fi
}

main() {
  [[ $# -le 1 ]] || fail "expected at most one argument, the output labelmap; got $#"
  local output="${1:-$REPOSITORY_ROOT/out/hippocampus-labelmap.nii.gz}"

  # Check the model before the build, which takes long on a small machine.
  [[ -f "$DEFAULT_MODEL" ]] ||
    fail "the bundled default model $DEFAULT_MODEL is missing; restore it with git checkout -- Data/hippocampus.unetpp"

  "$REPOSITORY_ROOT/scripts/install-dependencies.sh"

  cd "$REPOSITORY_ROOT"
  log "configuring and building the $PRESET preset in build/$PRESET"
  cmake --preset "$PRESET"
  cmake --build --preset "$PRESET" --target unetpp

  local input
  input="$(choose_input)"
  mkdir -p "$(dirname "$output")"

  log "segmenting with $UNETPP segment --input $input --output $output"
  "$UNETPP" segment --input "$input" --output "$output"
  log "labelmap written to $output"
}

main "$@"

#!/bin/sh
# Trains the networks of the UNet++ paper's cell-nuclei comparison on nuclei96 with one recipe and one split.
#
# usage: scripts/train-nuclei-comparison.sh [RUN...]
#   RUN is NETWORK-sSEED with NETWORK one of unet, wide-unet, unetpp, unetpp-ds (for example unetpp-ds-s1);
#   without arguments every run of the comparison is trained, one after the other.
#   NETWORK-cosine-sSEED (for example unetpp-ds-cosine-s2) trains the same network with the longer
#   schedule of the bundled nuclei model: learning rate 1e-3 falling along a cosine to 1e-5 over 90
#   epochs, patience 30. NETWORK-cosine-zscore-sSEED also normalises each image to zero mean and unit
#   variance instead of scaling by 1/255. Neither is part of the comparison, which keeps the paper's recipe.
#   The network unetpp-ds-half is UNet++ with deep supervision at half the paper's widths (16-32-64-128-256),
#   for example unetpp-ds-half-cosine-s2; it is not part of the comparison either. The network unetpp-ds-full
#   has the paper's widths (32-64-128-256-512), 16 times the computation of unetpp-ds: about 3.5 min per
#   epoch with two threads on a 2-core CPU, so about five hours per 90-epoch run. It is meant for a machine
#   with a GPU (UNETPP built with CUDA).
#   NETWORK-cosine[-zscore]-splitN-sSEED (for example unetpp-ds-cosine-split1-s2) holds out another 20 %
#   of the images, chosen with split seed N instead of 42, to show how much the score depends on the split.
#   The parts of a run name come in this order: network, -cosine, -zscore, -splitN, -sSEED.
# Environment:
#   UNETPP        the unetpp command (default: build/release/Applications/unetpp)
#   NUCLEI_DATA   the nuclei96 folder (default: ../shared/data/nuclei96)
#   RESULTS_DIR   where models and logs go (default: results/nuclei)
#   THREADS       CPU threads per run (default: 0, every core)
#   EPOCHS        length of the cosine schedule in epochs (default: 90)
#
# Every run checkpoints after each epoch and resumes when started again; a finished run is not redone.
# All four networks of the comparison use the UNet++ paper's filter widths divided by 4. Documentation/results.md gives
# the training time of each run.
set -eu

UNETPP=${UNETPP:-build/release/Applications/unetpp}
NUCLEI_DATA=${NUCLEI_DATA:-../shared/data/nuclei96}
RESULTS_DIR=${RESULTS_DIR:-results/nuclei}
THREADS=${THREADS:-0}
EPOCHS=${EPOCHS:-90}

if [ ! -d "$NUCLEI_DATA/images" ]; then
  echo "train-nuclei-comparison: $NUCLEI_DATA/images not found; set NUCLEI_DATA to the nuclei96 folder" >&2
  exit 1
fi
mkdir -p "$RESULTS_DIR"

fail() {
  echo "train-nuclei-comparison: $1" >&2
  exit 1
}

# require_number VALUE WHAT [HINT] fails unless VALUE is a whole number 0 or greater.
require_number() {
  case $1 in
    '' | *[!0-9]*) fail "$2 '$1' in run '$run' is not a number 0 or greater${3:-}" ;;
  esac
}

# The whole loop is one function, read in full before it runs, so that editing this file while a
# run trains cannot change what the shell reads next.
main() {
  runs="$*"
  if [ -z "$runs" ]; then
    runs="unetpp-ds-s1 unet-s1 wide-unet-s1 unetpp-s1 unetpp-ds-s2 unet-s2 unetpp-ds-s3 unet-s3"
  fi

  for run in $runs; do
    network=${run%-s*}
    seed=${run##*-s}
    require_number "$seed" seed " (a run name ends in -sSEED)"
    comparison_schedule="--learning-rate 0.0003 --epochs 40 --patience 8"
    schedule=$comparison_schedule
    intensity="scale:0.00392"
    split_seed=42
    case $network in
      *-split*)
        split_seed=${network##*-split}
        network=${network%-split*}
        require_number "$split_seed" "split seed"
        ;;
    esac
    case $network in
      *-zscore)
        network=${network%-zscore}
        intensity=zscore
        ;;
    esac
    case $network in
      *-cosine)
        network=${network%-cosine}
        schedule="--learning-rate 0.001 --learning-rate-schedule cosine --epochs $EPOCHS --patience 30"
        ;;
    esac
    case $network in
      unet) settings="--architecture unet --filters 8,16,32,64,128" ;;
      wide-unet) settings="--architecture unet --filters 9,18,35,70,140" ;;
      unetpp) settings="--architecture unetplusplus --filters 8,16,32,64,128 --no-deep-supervision" ;;
      unetpp-ds) settings="--architecture unetplusplus --filters 8,16,32,64,128" ;;
      unetpp-ds-half) settings="--architecture unetplusplus --filters 16,32,64,128,256" ;;
      unetpp-ds-full) settings="--architecture unetplusplus --filters 32,64,128,256,512" ;;
      *) fail "unknown network '$network' in run '$run'" ;;
    esac
    # measure-results.py scores other splits only in the longer-training table, so a split run without
    # the cosine schedule would train for nothing.
    if [ "$split_seed" != 42 ] && [ "$schedule" = "$comparison_schedule" ]; then
      fail "run '$run' holds out another split but has no -cosine schedule, so name it $network-cosine-split$split_seed-s$seed"
    fi
    model="$RESULTS_DIR/$run.unetpp"
    if [ -f "$model" ]; then
      echo "$run: $model exists, skipped"
      continue
    fi
    echo "$run: training, log in $RESULTS_DIR/$run.log"
    # shellcheck disable=SC2086
    if ! "$UNETPP" train --data "$NUCLEI_DATA" --output "$model" $settings \
      --normalization batch --patch 96x96 --intensity "$intensity" --batch-size 8 $schedule \
      --seed "$seed" --split-seed "$split_seed" --validation-fraction 0.2 --threads "$THREADS" \
      --classes background,nucleus --name "nuclei96-$run" --training-data "nuclei96 (2018 Data Science Bowl stage 1, 96x96)" \
      --license CC0 >"$RESULTS_DIR/$run.log" 2>&1; then
      echo "train-nuclei-comparison: run '$run' failed, the end of $RESULTS_DIR/$run.log follows" >&2
      tail -n 5 "$RESULTS_DIR/$run.log" >&2
      exit 1
    fi
  done
}

main "$@"
exit

#!/usr/bin/env bash
# Tests scripts/fetch-sample-data.sh against a real file served over loopback.
#
# Usage: FetchSampleDataTest.sh SOURCE_DIR PYTHON CASE
# Each CASE copies hippocampus_001.nii.gz from the shared data folder into a temporary folder, serves
# that folder with "python -m http.server" on 127.0.0.1 and a port the system picks, and runs the
# fetch script against it. Exits 77, which CTest reports as skipped, when the shared data is absent.
set -euo pipefail

readonly SKIP_EXIT_CODE=77
readonly SOURCE_DIR="$1"
readonly PYTHON="$2"
readonly CASE="$3"

readonly FETCH_SCRIPT="$SOURCE_DIR/scripts/fetch-sample-data.sh"
readonly SHARED_SAMPLE="$SOURCE_DIR/../shared/data/hippocampus/imagesTr/hippocampus_001.nii.gz"
readonly SAMPLE_NAME="hippocampus_001.nii.gz"

# A well-formed SHA-256 that differs from the sample's.
readonly ZERO_SHA256="0000000000000000000000000000000000000000000000000000000000000000"

fail() {
  echo "FAILED ($CASE): $*" >&2
  exit 1
}

if [[ ! -f "$SHARED_SAMPLE" ]]; then
  echo "skipped: $SHARED_SAMPLE not found; the shared data folder ../shared/data is absent from this checkout"
  exit "$SKIP_EXIT_CODE"
fi

WORK_DIR="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2> /dev/null || true
    wait "$SERVER_PID" 2> /dev/null || true
  fi
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

readonly SERVED_DIR="$WORK_DIR/served"
readonly DOWNLOAD_DIR="$WORK_DIR/downloads"
mkdir -p "$SERVED_DIR" "$DOWNLOAD_DIR"
cp "$SHARED_SAMPLE" "$SERVED_DIR/$SAMPLE_NAME"

# The checksum the fetch script must accept, computed here independently of the script.
SAMPLE_SHA256="$(sha256sum "$SERVED_DIR/$SAMPLE_NAME" | cut -d ' ' -f 1)"
readonly SAMPLE_SHA256

# Keep the downloads off any proxy configured on the machine, because the server is on loopback.
export no_proxy="127.0.0.1" NO_PROXY="127.0.0.1"
unset UNETPP_SAMPLE_URL UNETPP_SAMPLE_SHA256 UNETPP_DOWNLOADER

# Starts the server on port 0 so that the system picks a free port, then reads the port from the
# server's first output line, "Serving HTTP on 127.0.0.1 port N (...)". Python can take several seconds
# to start on a loaded machine, so the wait is up to 60 s.
start_server() {
  local log="$WORK_DIR/server.log"
  # Created here, because the background server creates it only once it runs, and sed must find it.
  : > "$log"
  "$PYTHON" -u -m http.server 0 --bind 127.0.0.1 --directory "$SERVED_DIR" > "$log" 2>&1 &
  SERVER_PID=$!

  local port=""
  for _ in $(seq 1 600); do
    port="$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9][0-9]*\).*/\1/p' "$log")"
    [[ -n "$port" ]] && break
    kill -0 "$SERVER_PID" 2> /dev/null || fail "the HTTP server exited: $(cat "$log")"
    sleep 0.1
  done
  [[ -n "$port" ]] || fail "the HTTP server printed no port within 60 s: $(cat "$log")"
  SERVER_URL="http://127.0.0.1:$port"
}

stop_server() {
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2> /dev/null || true
  SERVER_PID=""
}

# Runs the fetch script with the given arguments, stores its exit status in FETCH_STATUS and its
# standard error in FETCH_ERRORS, and never stops this script.
run_fetch() {
  local errors_file="$WORK_DIR/fetch.err"
  FETCH_STATUS=0
  bash "$FETCH_SCRIPT" "$@" 2> "$errors_file" || FETCH_STATUS=$?
  FETCH_ERRORS="$(cat "$errors_file")"
}

expect_success() {
  [[ "$FETCH_STATUS" -eq 0 ]] || fail "the fetch script exited with status $FETCH_STATUS: $FETCH_ERRORS"
}

expect_failure_mentioning() {
  local expected_text="$1"
  [[ "$FETCH_STATUS" -ne 0 ]] || fail "the fetch script succeeded, expected a failure"
  [[ "$FETCH_ERRORS" == *"$expected_text"* ]] ||
    fail "the error message lacks '$expected_text': $FETCH_ERRORS"
}

expect_copy_of_sample() {
  local output="$1"
  [[ -f "$output" ]] || fail "$output was not created"
  cmp --quiet "$SERVED_DIR/$SAMPLE_NAME" "$output" || fail "$output differs from the served file"
}

# After a failure the download folder must contain neither the output nor a temporary file.
expect_download_dir_empty() {
  local leftovers
  leftovers="$(ls -A "$DOWNLOAD_DIR")"
  [[ -z "$leftovers" ]] || fail "files were left behind in the download folder: $leftovers"
}

start_server
readonly OUTPUT="$DOWNLOAD_DIR/$SAMPLE_NAME"
readonly SAMPLE_URL="$SERVER_URL/$SAMPLE_NAME"

case "$CASE" in
  matching-checksum-curl | matching-checksum-wget)
    export UNETPP_DOWNLOADER="${CASE##*-}"
    run_fetch --url "$SAMPLE_URL" --sha256 "$SAMPLE_SHA256" "$OUTPUT"
    expect_success
    expect_copy_of_sample "$OUTPUT"
    [[ "$(ls -A "$DOWNLOAD_DIR")" == "$SAMPLE_NAME" ]] || fail "temporary files were left: $(ls -A "$DOWNLOAD_DIR")"
    ;;

  wrong-checksum-curl | wrong-checksum-wget)
    export UNETPP_DOWNLOADER="${CASE##*-}"
    run_fetch --url "$SAMPLE_URL" --sha256 "$ZERO_SHA256" "$OUTPUT"
    expect_failure_mentioning "SHA-256 of the file downloaded from $SAMPLE_URL is $SAMPLE_SHA256"
    expect_download_dir_empty
    ;;

  missing-file)
    # The server returns 404 Not Found for a name it does not serve.
    run_fetch --url "$SERVER_URL/no-such-file.nii.gz" --sha256 "$SAMPLE_SHA256" "$OUTPUT"
    expect_failure_mentioning "download of $SERVER_URL/no-such-file.nii.gz failed"
    expect_download_dir_empty
    ;;

  default-checksum)
    # The shared copy is an unchanged copy of the file at the default URL, so the script's built-in
    # checksum must accept it. The URL comes from the environment variable, the checksum from the
    # script.
    UNETPP_SAMPLE_URL="$SAMPLE_URL" run_fetch "$OUTPUT"
    expect_success
    expect_copy_of_sample "$OUTPUT"
    ;;

  existing-file)
    run_fetch --url "$SAMPLE_URL" --sha256 "$SAMPLE_SHA256" "$OUTPUT"
    expect_success

    # With the server stopped, a second run can only succeed without downloading.
    stop_server
    run_fetch --url "$SAMPLE_URL" --sha256 "$SAMPLE_SHA256" "$OUTPUT"
    expect_success
    expect_copy_of_sample "$OUTPUT"

    # A file with another checksum is kept as it is and reported.
    run_fetch --url "$SAMPLE_URL" --sha256 "$ZERO_SHA256" "$OUTPUT"
    expect_failure_mentioning "already exists with SHA-256 $SAMPLE_SHA256"
    expect_copy_of_sample "$OUTPUT"
    ;;

  invalid-checksum)
    run_fetch --url "$SAMPLE_URL" --sha256 "not-a-checksum" "$OUTPUT"
    expect_failure_mentioning "invalid SHA-256 'not-a-checksum'"
    expect_download_dir_empty
    ;;

  *)
    fail "unknown test case '$CASE'"
    ;;
esac

echo "passed: $CASE"

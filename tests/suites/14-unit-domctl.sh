#!/usr/bin/env bash
# Host unit tests of domain control and capabilities (domctl, foreign MMU
# operations of a builder, the build sequence).  Prints one line per check and
# "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/domctl_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} exec "$bin"

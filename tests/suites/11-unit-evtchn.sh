#!/usr/bin/env bash
# Host unit tests of event channels (2-level ABI state machine: every
# EVTCHNOP, its errors, delivery bits and kicks, close/destroy unbinding
# peers, limits, a multi-threaded lock-order stress).  Prints one line per
# check and "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/evtchn_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
exec "$bin"

#!/usr/bin/env bash
# Host unit tests of the scheduling policy (weights, caps, warp latency,
# runstate accounting, placement, parameter checks) on a simulated machine.
# Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/sched_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
exec "$bin"

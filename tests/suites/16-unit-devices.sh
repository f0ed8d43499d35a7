#!/usr/bin/env bash
# Host unit tests of device delegation: the config-space filter (BAR moves,
# MSI writes, other functions refused), BAR frames, assignment rules, DMA tables.
# Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/device_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
exec "$bin"

#!/usr/bin/env bash
# Host unit tests of memory validation (page types, refcounts, PTE checks,
# MMU hypercall argument checking, ptwr decoding).  Prints one line per check
# and "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/mm_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
# The fake machine memory is never freed on purpose; leak checks only add noise.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} exec "$bin"

#!/usr/bin/env bash
# Host unit tests of grant tables v1 (setup/query/version, map/unmap rules,
# GTF_reading/GTF_writing tracking, maptrack limits, copy, teardown when
# either side dies, every refusal).  Prints one line per check and
# "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/gnttab_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
exec "$bin"

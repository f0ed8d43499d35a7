#!/usr/bin/env bash
# Host unit tests of set_trap_table (kernel/arch/x86/pv_cpu.c): Xen's in-place
# update rules and two vCPUs on two threads updating their tables concurrently.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/pvcpu_tests"
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"
  echo "0 passed, 1 failed"
  exit 1
fi
exec "$bin"

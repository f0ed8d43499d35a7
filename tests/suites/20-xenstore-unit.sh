#!/usr/bin/env bash
# xenstore core unit tests (tree, permissions, transactions, watches, quotas,
# malformed input, flow control, ring transport, journal recovery), plus the
# same tests under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
. tests/suites/lib.sh
host_unit "$O/host/xenstore/xs-unit" "$O/host/xenstore/xs-unit-asan"
finish

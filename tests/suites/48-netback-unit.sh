#!/usr/bin/env bash
# netback host unit tests: the virtual firewall-router library (frame parsing,
# rules and their text, learning bridge, anti-spoofing, rate limits, commands,
# the persistent rule set against our host xenstored), then the same tests
# under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
. tests/suites/lib.sh
export NB_XENSTORED=$O/host/xenstore/xenstored
make --no-print-directory -s O="$O" "$NB_XENSTORED" >/dev/null 2>&1 || fail "could not build $NB_XENSTORED"
host_unit "$O/host/netback/nb-unit" "$O/host/netback/nb-unit-asan"
finish

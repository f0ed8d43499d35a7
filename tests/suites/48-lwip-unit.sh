#!/usr/bin/env bash
# The lwIP guest's host unit tests (guests/lwip/tests, under ASan/UBSan):
# servers/lib/netfront against a scripted hostile backend (malformed receive
# and transmit responses, ring indices past the requests, fragment chains,
# extras) and servers/lib/xenbus_fe against our host xenstored with hostile
# toolstack and backend values.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
export NB_XENSTORED=$O/host/xenstore/xenstored
bin=$O/host/lwip/lwip-unit
mkdir -p "$O/host/lwip"
if ! make --no-print-directory -s O="$O" "$NB_XENSTORED" "$bin" >"$O/host/lwip/build.log" 2>&1; then
  echo "FAIL - could not build $bin or $NB_XENSTORED"; tail -5 "$O/host/lwip/build.log"
  echo "0 passed, 1 failed"; exit 1
fi
"$bin"

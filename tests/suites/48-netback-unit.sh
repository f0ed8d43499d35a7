#!/usr/bin/env bash
# netback host unit tests: the virtual firewall-router library (frame parsing,
# rules and their text, learning bridge, anti-spoofing, rate limits, commands,
# the persistent rule set against our host xenstored), then the same tests
# under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
dir=$O/host/netback
mkdir -p "$dir"; p=0; f=0
export NB_XENSTORED=$O/host/xenstore/xenstored
make --no-print-directory -s O="$O" "$NB_XENSTORED" >/dev/null 2>&1 || { echo "FAIL - could not build $NB_XENSTORED"; f=1; }
for bin in "$dir/nb-unit" "$dir/nb-unit-asan"; do
  if ! make --no-print-directory -s O="$O" "$bin" >"$dir.build.log" 2>&1; then
    echo "FAIL - could not build $bin"; tail -5 "$dir.build.log"; f=$((f + 1)); continue
  fi
  out=$("$bin" 2>&1); rc=$?
  if [ "$bin" = "$dir/nb-unit" ]; then
    echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
    p=$((p + $(echo "$out" | grep -c '^ok - '))); f=$((f + $(echo "$out" | grep -c '^FAIL - ')))
    [ "$rc" -ne 0 ] && ! echo "$out" | grep -q '^FAIL' && { echo "FAIL - nb-unit exited $rc"; f=$((f + 1)); }
  elif [ "$rc" -eq 0 ] && echo "$out" | grep -q '^[0-9]* passed, 0 failed$'; then
    echo "ok - unit tests clean under ASan/UBSan"; p=$((p + 1))
  else
    echo "FAIL - unit tests under ASan/UBSan"; echo "$out" | grep -v '^ok' | head -20; f=$((f + 1))
  fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

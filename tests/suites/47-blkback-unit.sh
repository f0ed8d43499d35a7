#!/usr/bin/env bash
# blkback host unit tests: the virtio-PCI transport, split virtqueues, the
# virtio-blk driver against a fake device (servers/blkback/tests/fake_vblk.c),
# the VBD map (commands, torn map writes), the blkif backend against a fake
# frontend (hostile requests and rings included), the xenbus backend
# handshake against our host xenstored,
# then the same tests under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
dir=$O/host/blkback
mkdir -p "$dir"; p=0; f=0
# the xenbus tests talk to our host xenstored over a Unix socket
export BB_XENSTORED=$O/host/xenstore/xenstored
make --no-print-directory -s O="$O" "$BB_XENSTORED" >/dev/null 2>&1 || { echo "FAIL - could not build $BB_XENSTORED"; f=1; }
for bin in "$dir/bb-unit" "$dir/bb-unit-asan"; do
  if ! make --no-print-directory -s O="$O" "$bin" >"$dir.build.log" 2>&1; then
    echo "FAIL - could not build $bin"; tail -5 "$dir.build.log"; f=$((f + 1)); continue
  fi
  out=$("$bin" 2>&1); rc=$?
  if [ "$bin" = "$dir/bb-unit" ]; then
    echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
    p=$((p + $(echo "$out" | grep -c '^ok - '))); f=$((f + $(echo "$out" | grep -c '^FAIL - ')))
    [ "$rc" -ne 0 ] && ! echo "$out" | grep -q '^FAIL' && { echo "FAIL - bb-unit exited $rc"; f=$((f + 1)); }
  elif [ "$rc" -eq 0 ] && echo "$out" | grep -q '^[0-9]* passed, 0 failed$'; then
    echo "ok - unit tests clean under ASan/UBSan"; p=$((p + 1))
  else
    echo "FAIL - unit tests under ASan/UBSan"; echo "$out" | grep -v '^ok' | head -20; f=$((f + 1))
  fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

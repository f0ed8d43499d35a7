#!/usr/bin/env bash
# libFuzzer on the xenstore message parser (framing + dispatch) for a bounded
# time (XS_FUZZ_SECONDS, default 20), with ASan/UBSan. First a self-test: a
# build with a planted crash must be caught from the seed corpus, proving the
# harness reaches the handlers and that a crash fails this suite.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
B=$O/host/xenstore
secs=${XS_FUZZ_SECONDS:-20}
pass=0; fail=0
ok()  { echo "ok - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }
T=$(mktemp -d /tmp/xs-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/corpus" "$T/artifacts"

# Seeds: selector byte 0xfe (= 509 bytes to the privileged connection) or
# 0xff (unprivileged), followed by well-formed requests.
python3 - "$T/corpus" <<'PY'
import os, struct, sys
d = sys.argv[1]
def msg(t, payload, req=1, tx=0):
    return struct.pack("<IIII", t, req, tx, len(payload)) + payload
seeds = {
  "write": b"\xfe" + msg(11, b"/a/b\0value") + msg(2, b"/a/b\0"),
  "canary": b"\xfe" + msg(11, b"/canary\0x"),
  "dir": b"\xfe" + msg(1, b"/local/domain/5\0") + msg(22, b"/\0" + b"0\0"),
  "tx": b"\xfe" + msg(6, b"\0") + msg(11, b"/t\0v", tx=1) + msg(7, b"T\0", tx=1),
  "perms": b"\xfe" + msg(14, b"/local/domain/5/a\0n5\0r0\0") + msg(3, b"/local/domain/5/a\0"),
  "watch": b"\xff" + msg(4, b"a\0tok\0") + msg(11, b"a/b\0x") + msg(13, b"a\0"),
  "domain": b"\xfe" + msg(8, b"3\0" + b"100\0" + b"2\0") + msg(17, b"3\0") + msg(19, b"3\0" + b"5\0"),
  "control": b"\xfe" + msg(0, b"quota\0") + msg(21, b"\0"),
}
# 0xaa: a ring page: req_cons, req_prod, rsp_cons, rsp_prod, then req[] bytes
ring_req = msg(2, b"a\0") + msg(11, b"b\0v") + msg(4, b"b\0t\0")
seeds["ring"] = b"\xaa" + struct.pack("<IIII", 0, len(ring_req), 0, 0) + ring_req
seeds["ring-wrap"] = b"\xaa" + struct.pack("<IIII", 1020, 1020 + len(ring_req), 4000, 4000) + ring_req
# 0xbb: a journal: [u32 len][u32 fnv1a][body], kinds as in journal.h
def rec(body):
    h = 2166136261
    for b in body:
        h = ((h ^ b) * 16777619) & 0xffffffff
    return struct.pack("<II", len(body), h) + body
def s_(x): return struct.pack("<I", len(x)) + x
node = bytes([4]) + s_(b"/j/a") + struct.pack("<I", 1) + struct.pack("<IB", 0, 1) + s_(b"v") + s_(b"")
seeds["journal"] = b"\xbb" + rec(bytes([1]) + struct.pack("<Q", 0)) + rec(bytes([2])) + rec(node) + \
    rec(bytes([5]) + s_(b"/j/a")) + rec(bytes([3]))
for k, v in seeds.items():
    open(os.path.join(d, k), "wb").write(v)
PY

if [ ! -x "$B/xs-fuzz" ]; then
  bad "$B/xs-fuzz not built"; echo "$pass passed, $fail failed"; exit 1
fi
canary=$B/xs-fuzz-canary
if make --no-print-directory -s O="$O" "$canary" >"$T/canary-build.log" 2>&1; then
  "$canary" -runs=100 -artifact_prefix="$T/artifacts/" "$T/corpus" >"$T/canary.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ] && grep -q "deadly signal" "$T/canary.log"; then
    ok "self-test: planted crash reached through the parser is reported (exit $rc)"
  else
    bad "self-test: planted crash not detected (exit $rc)"; tail -5 "$T/canary.log"
  fi
else
  bad "could not build the canary fuzzer"; tail -5 "$T/canary-build.log"
fi
rm -f "$T/artifacts/"*

"$B/xs-fuzz" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$T/artifacts/" "$T/corpus" >"$T/fuzz.log" 2>&1
rc=$?
runs=$(sed -n -E 's/^Done ([0-9]+) runs.*/\1/p' "$T/fuzz.log")
if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 100 ]; then
  ok "libFuzzer ran ${secs}s ($runs inputs) without a crash, leak or UB"
else
  bad "fuzzer exit $rc"; grep -E "ERROR|runtime error|SUMMARY" "$T/fuzz.log" | head -10
  for a in "$T/artifacts/"*; do [ -e "$a" ] && { echo "# reproducer: $(basename "$a")"; od -An -tx1 "$a" | head -5; }; done
fi
cov=$(grep -oE 'cov: [0-9]+' "$T/fuzz.log" | tail -1 | awk '{print $2}')
if [ -n "$cov" ] && [ "$cov" -gt 300 ]; then ok "fuzzing covered $cov edges"
else bad "fuzzing coverage too low (${cov:-none})"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

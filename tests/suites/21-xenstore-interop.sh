#!/usr/bin/env bash
# xenstore interop: our xenstored on a Unix socket driven by Debian's
# xenstore-utils (and libxenstore through python ctypes), plus raw wire
# clients for malformed input, a domain ring client, and kill -9 recovery.
# Unprivileged sockets (--unpriv-socket D:PATH) make a client act as domain D.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
B=$O/host/xenstore
pass=0; fail=0
ok()   { echo "ok - $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL - $*"; fail=$((fail + 1)); }

T=$(mktemp -d /tmp/xs-interop.XXXXXX)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill -9 "$SRV_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/rings"
export XENSTORED_PATH=$T/sock

start_server() {
  rm -f "$T/sock"
  "$B/xenstored" -s "$T/sock" -u "5:$T/sock5" -u "6:$T/sock6" -d "$T/state" -r "$T/rings" \
    -F "$T/pid" 2>>"$T/server.log" &
  SRV_PID=$!
  for _ in $(seq 400); do [ -S "$T/sock" ] && [ -s "$T/pid" ] && return 0; sleep 0.05; done
  return 1
}

# expect NAME RC EXPECTED-OUTPUT cmd...   (stdout+stderr, exact)
expect() {
  local name=$1 want_rc=$2 want_out=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want_rc" ] && [ "$out" == "$want_out" ]; then ok "$name"
  else bad "$name (rc $rc, want $want_rc)"; printf '#   got:  %s\n#   want: %s\n' "$out" "$want_out"; fi
}
as5() { XENSTORED_PATH=$T/sock5 "$@"; }
as6() { XENSTORED_PATH=$T/sock6 "$@"; }

for tool in xenstore-write xenstore-read xenstore-ls xenstore-rm xenstore-chmod xenstore-exists \
            xenstore-list xenstore-watch; do
  command -v $tool >/dev/null || { bad "$tool missing (install xenstore-utils)"; }
done
if ! start_server; then
  bad "server did not start"; cat "$T/server.log"; echo "$pass passed, $((fail + 1)) failed"; exit 1
fi
ok "server listens on $T/sock"

# --- hostile command lines: a quota that is not a number from 1 to 1,000,000 ---
expect "a quota that is not a number is refused" 2 \
  "xenstored: -E wants a whole number from 1 to 1000000, not 'many'" "$B/xenstored" -s "$T/x" -E many
expect "a zero quota is refused" 2 "xenstored: -W wants a whole number from 1 to 1000000, not '0'" \
  "$B/xenstored" -s "$T/x" --watch-nb 0
expect "a negative quota is refused" 2 "xenstored: -t wants a whole number from 1 to 1000000, not '-1'" \
  "$B/xenstored" -s "$T/x" -t -1

# --- basic tree operations ---
expect "xenstore-write creates nodes" 0 "" xenstore-write /vm/1/name guest1 /vm/1/memory 512
expect "xenstore-read" 0 "guest1" xenstore-read /vm/1/name
expect "xenstore-read of two keys" 0 $'guest1\n512' xenstore-read /vm/1/name /vm/1/memory
expect "xenstore-read of a missing key fails" 1 "xenstore-read: couldn't read path /vm/1/nope" \
  xenstore-read /vm/1/nope
expect "xenstore-exists (present)" 0 "" xenstore-exists /vm/1/name
expect "xenstore-exists (absent)" 1 "" xenstore-exists /vm/1/nope
expect "xenstore-list in creation order" 0 $'name\nmemory' xenstore-list /vm/1
expect "xenstore-ls" 0 $'1 = ""\n name = "guest1"\n memory = "512"' xenstore-ls /vm
expect "xenstore-ls of a missing path" 1 "xenstore-ls: xs_directory (/nope): No such file or directory" \
  xenstore-ls /nope
expect "xenstore-rm" 0 "" xenstore-rm /vm/1/memory
expect "removed key is gone" 1 "xenstore-read: couldn't read path /vm/1/memory" xenstore-read /vm/1/memory
expect "xenstore-rm with a missing parent fails" 1 "xenstore-rm: could not remove path /nope/x" \
  xenstore-rm /nope/x
expect "empty value" 0 "" xenstore-write /vm/1/empty ""
expect "empty value reads back empty" 0 "" xenstore-read /vm/1/empty

for i in $(seq -w 1 300); do echo "WRITE /many/child-with-a-long-name-$i ''"; done | "$B/xsmsg" "$T/sock" >/dev/null
expect "300 children (over 4096 bytes): libxenstore falls back to DIRECTORY_PART" 0 \
  "300 child-with-a-long-name-001 child-with-a-long-name-300" \
  sh -c "xenstore-list /many | awk 'NR==1{f=\$0} {l=\$0} END{print NR, f, l}'"
expect "raw DIRECTORY of it is E2BIG" 0 "ERROR E2BIG|" sh -c "echo 'DIRECTORY /many' | $B/xsmsg $T/sock"
xenstore-rm /many

# --- permissions ---
expect "root is n0" 0 '1 = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)' \
  sh -c 'xenstore-rm /vm/1/empty && xenstore-ls -p /vm | head -n 1'
expect "xenstore-chmod -r n0 r5" 0 "" xenstore-chmod -r /vm/1 n0 r5
expect "xenstore-ls -p shows perms" 0 $'1 = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r5)\n name = "guest1" . . . . . . . . . . . . . . . . . . . . . .  (n0,r5)' \
  xenstore-ls -p /vm
expect "domain 5 may read" 0 "guest1" as5 xenstore-read /vm/1/name
expect "domain 5 may not write" 1 "xenstore-write: could not write path /vm/1/name" \
  as5 xenstore-write /vm/1/name evil
expect "value unchanged after the denied write" 0 "guest1" xenstore-read /vm/1/name
expect "domain 6 may not read" 1 "xenstore-read: couldn't read path /vm/1/name" as6 xenstore-read /vm/1/name
expect "domain 6 may not list" 1 "xenstore-ls: xs_directory (/vm/1): Permission denied" as6 xenstore-ls /vm/1
expect "domain 5 may not remove" 1 "xenstore-rm: could not remove path /vm/1" as5 xenstore-rm /vm/1
expect "domain 5 may not chmod" 1 \
  "xenstore-chmod: Error occurred setting permissions on '/vm/1': Permission denied" \
  as5 xenstore-chmod /vm/1 b5
expect "domain 5 may not create under /" 1 "xenstore-write: could not write path /d5" as5 xenstore-write /d5 x
expect "missing node under an unreadable parent: EACCES, not ENOENT" 1 \
  "xenstore-ls: xs_directory (/vm/1/nope): Permission denied" as6 xenstore-ls /vm/1/nope
xenstore-write /local/domain/5 "" && xenstore-chmod /local/domain/5 n5
expect "domain 5 writes its home with a relative path" 0 "" as5 xenstore-write data/x hello
expect "...which lands under /local/domain/5" 0 "hello" xenstore-read /local/domain/5/data/x
expect "node created by domain 5 is owned by it" 0 \
  'x = "hello"  . . . . . . . . . . . . . . . . . . . . . . . .  (n5)' xenstore-ls -p /local/domain/5/data
expect "domain 5 grants domain 6 read" 0 "" as5 xenstore-chmod data/x n5 r6
expect "domain 6 reads the grant" 0 "hello" as6 xenstore-read /local/domain/5/data/x
expect "domain 6 still cannot write it" 1 "xenstore-write: could not write path /local/domain/5/data/x" \
  as6 xenstore-write /local/domain/5/data/x no

# --- watches ---
timeout 30 xenstore-watch -n 3 /vm/1 >"$T/watch.out" 2>&1 &
wpid=$!
# (generous waits here and below: they end as soon as the condition holds,
# and a loaded machine must not make the test race ahead of the watch)
for _ in $(seq 400); do [ -s "$T/watch.out" ] && break; sleep 0.05; done
xenstore-write /vm/1/state 4 && xenstore-write /vm/other 1 && xenstore-rm /vm/1/state
wait $wpid; wrc=$?
expect "xenstore-watch: initial event, change below, removal; sibling ignored" 0 \
  $'/vm/1\n/vm/1/state\n/vm/1/state' sh -c "cat '$T/watch.out'; exit $wrc"
timeout 30 xenstore-watch -n 2 @introduceDomain >"$T/intro.out" 2>&1 &
wpid=$!
for _ in $(seq 400); do [ -s "$T/intro.out" ] && break; sleep 0.05; done
expect "INTRODUCE domain 7 (ring in $T/rings)" 0 "INTRODUCE OK|" sh -c "echo 'INTRODUCE 7 4096 3' | $B/xsmsg $T/sock"
wait $wpid; wrc=$?
expect "xenstore-watch @introduceDomain sees the introduction" 0 $'@introduceDomain\n@introduceDomain' \
  sh -c "cat '$T/intro.out'; exit $wrc"

# --- transactions through libxenstore (python ctypes) ---
cat >"$T/tx.py" <<'PY'
import ctypes, errno, subprocess
xs = ctypes.CDLL("libxenstore.so.4", use_errno=True)
xs.xs_open.restype = ctypes.c_void_p; xs.xs_open.argtypes = [ctypes.c_ulong]
xs.xs_transaction_start.restype = ctypes.c_uint32; xs.xs_transaction_start.argtypes = [ctypes.c_void_p]
xs.xs_transaction_end.restype = ctypes.c_bool
xs.xs_transaction_end.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_bool]
xs.xs_read.restype = ctypes.c_void_p
xs.xs_read.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)]
xs.xs_write.restype = ctypes.c_bool
xs.xs_write.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
h = xs.xs_open(0)
def attempt(other_key):
    t = xs.xs_transaction_start(h)
    n = ctypes.c_uint()
    xs.xs_read(h, t, b"/c/x", ctypes.byref(n))
    subprocess.run(["xenstore-write", other_key, "other"], check=True)
    xs.xs_write(h, t, b"/c/y", b"mine", 4)
    ok = xs.xs_transaction_end(h, t, False)
    e = ctypes.get_errno()
    y = subprocess.run(["xenstore-read", "/c/y"], capture_output=True, text=True)
    print("commit=%s errno=%s y=%s" % (ok, "-" if ok else errno.errorcode.get(e, e),
                                        y.stdout.strip() if y.returncode == 0 else "absent"))
attempt("/c/x")
attempt("/c/unrelated")
PY
xenstore-write /c/x 1
expect "transaction conflict: EAGAIN and no partial write; unrelated write commits" 0 \
  $'commit=False errno=EAGAIN y=absent\ncommit=True errno=- y=mine' python3 "$T/tx.py"

# --- the same over the raw wire, with req_id/tx_id echo ---
expect "raw transaction: tx_id echoed, conflict detected" 0 \
  $'TRANSACTION_START 1|\nREAD other\nWRITE OK|\nWRITE OK|\nERROR EAGAIN|\nREAD mine' \
  sh -c "printf 'TRANSACTION_START\n@T READ /c/x\n@T WRITE /c/y tx\nWRITE /c/x again\n@T TRANSACTION_END T\nREAD /c/y\n' | $B/xsmsg $T/sock | sed 's/^TRANSACTION_START [0-9]*|/TRANSACTION_START 1|/'"

# --- malformed input: error replies or a closed connection, never a crash ---
expect "unknown message type: ENOSYS (as Xen)" 0 "ERROR ENOSYS|" sh -c "echo '999 /x' | $B/xsmsg $T/sock"
expect "READ without NUL: EINVAL" 0 "ERROR EINVAL|" \
  sh -c "printf 'RAW 02000000 01000000 00000000 03000000 2f6162\nWAIT\n' | $B/xsmsg $T/sock"
expect "bogus tx id: ENOENT" 0 "ERROR ENOENT|" sh -c "echo '@4242 READ /c/x' | $B/xsmsg $T/sock"
expect "bogus TRANSACTION_END: ENOENT" 0 "ERROR ENOENT|" sh -c "echo '@77 TRANSACTION_END T' | $B/xsmsg $T/sock"
expect "path with bad characters: EINVAL" 0 "ERROR EINVAL|" sh -c "echo 'READ /a*b' | $B/xsmsg $T/sock"
expect "WATCH with one string: EINVAL" 0 "ERROR EINVAL|" \
  sh -c "printf 'RAW 04000000 02000000 00000000 03000000 2f6100\nWAIT\n' | $B/xsmsg $T/sock"
expect "len > XENSTORE_PAYLOAD_MAX: connection closed" 0 "EOF" \
  sh -c "printf 'RAW 02000000 01000000 00000000 01100000 2f00\nEXPECTEOF\n' | $B/xsmsg $T/sock"
expect "truncated header then hang-up: no reply" 0 "" sh -c "echo 'RAW 02000000 0100' | $B/xsmsg $T/sock"
expect "truncated payload then hang-up: no reply" 0 "" \
  sh -c "echo 'RAW 02000000 01000000 00000000 10000000 2f' | $B/xsmsg $T/sock"
expect "privileged-only request from a domain: EACCES" 0 "ERROR EACCES|" \
  sh -c "echo 'INTRODUCE 9 1 1' | $B/xsmsg $T/sock5"
expect "CONTROL print" 0 "CONTROL OK|" sh -c "echo 'CONTROL print hello-from-test' | $B/xsmsg $T/sock"
if kill -0 "$SRV_PID" 2>/dev/null && grep -q "xenstored: hello-from-test" "$T/server.log"; then
  ok "server alive after malformed input; CONTROL print reached its log"
else bad "server died or did not log"; fi

# --- a client that floods requests and never reads slows only itself ---
cat >"$T/flood.py" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
req = b"".join(struct.pack("<IIII", 2, i, 0, 11) + b"/vm/1/name\0" for i in range(60000))
sent, deadline = 0, time.time() + 3
while sent < len(req) and time.time() < deadline:
    try:
        sent += s.send(req[sent:sent + 65536])
    except BlockingIOError:
        time.sleep(0.01)
print("blocked" if sent < len(req) else "all-sent", flush=True)
open(sys.argv[2], "w").write("ready")
time.sleep(60)
PY
python3 "$T/flood.py" "$T/sock" "$T/flood.ready" >"$T/flood.out" 2>&1 &
fpid=$!
for _ in $(seq 400); do [ -s "$T/flood.ready" ] && break; sleep 0.05; done
expect "flooding client is stalled by the server (stopped reading its requests)" 0 "blocked" cat "$T/flood.out"
expect "another client is served while the flood is stalled" 0 "guest1" timeout 10 xenstore-read /vm/1/name
expect "and can write" 0 "" timeout 10 xenstore-write /vm/1/flood-ok 1
kill "$fpid"; wait "$fpid" 2>/dev/null
expect "server fine after the flooder hangs up" 0 "1" timeout 10 xenstore-read /vm/1/flood-ok

# --- domain ring connection, then kill -9 and restart ---
xenstore-write /local/domain/7 "" && xenstore-chmod /local/domain/7 n7
expect "ring client: watch + initial event" 0 \
  $'WATCH OK|\nWATCH_EVENT /local/domain/7/dev|tok|' \
  sh -c "printf 'WATCH /local/domain/7/dev tok\nWAIT\n' | $B/xs-ringc $T/rings 7"
expect "ring client: relative write; its own event comes first, as in Xen" 0 \
  $'WATCH_EVENT /local/domain/7/dev/state|tok|\nWRITE OK|' \
  sh -c "printf 'WRITE dev/state 1\n' | $B/xs-ringc $T/rings 7"
expect "ring client's write is visible over the socket" 0 "1" xenstore-read /local/domain/7/dev/state

kill -9 "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; SRV_PID=
xenstore-read /vm/1/name >/dev/null 2>&1 && bad "server still answering after kill -9" || ok "server killed (-9)"
rm -f "$T/pid"
if start_server; then ok "server restarted on the same state directory"; else bad "restart failed"; fi
expect "node survives the restart" 0 "guest1" xenstore-read /vm/1/name
expect "permissions survive the restart" 0 \
  'x = "hello"  . . . . . . . . . . . . . . . . . . . . . . . .  (n5,r6)' xenstore-ls -p /local/domain/5/data
expect "committed transaction survives, failed one left nothing" 0 "mine" xenstore-read /c/y
expect "domain 7 is still introduced" 0 "IS_DOMAIN_INTRODUCED T|" \
  sh -c "echo 'IS_DOMAIN_INTRODUCED 7' | $B/xsmsg $T/sock"
xenstore-write /local/domain/7/dev/backend ready
expect "watch registered over the ring before the restart fires after it" 0 \
  "WATCH_EVENT /local/domain/7/dev/backend|tok|" sh -c "printf 'WAIT\n' | $B/xs-ringc $T/rings 7"
expect "ring connection still serves requests" 0 "READ 1" sh -c "echo 'READ dev/state' | $B/xs-ringc $T/rings 7"
expect "RELEASE domain 7" 0 "RELEASE OK|" sh -c "echo 'RELEASE 7' | $B/xsmsg $T/sock"
expect "released domain is gone" 0 "IS_DOMAIN_INTRODUCED F|" \
  sh -c "echo 'IS_DOMAIN_INTRODUCED 7' | $B/xsmsg $T/sock"

# --- differential: the same requests against Xen 4.17's own C xenstored ---
# (Debian's xen-utils-4.17, started without a hypervisor through xenshim.so)
XEN_XSD=/usr/lib/xen-4.17/bin/xenstored
if [ -x "$XEN_XSD" ]; then
  mkdir -p "$T/xen" "$T/drings" "$T/xrings"; echo 1 >"$T/xen/xsd_port"; truncate -s 4096 "$T/xen/xsd_kva"
  XS_SHIM_DIR=$T/xen XS_SHIM_RINGS=$T/xrings XENSTORED_RUNDIR=$T/xen XENSTORED_PATH=$T/xen/socket \
    LD_PRELOAD=$PWD/$B/xenshim.so "$XEN_XSD" -N \
    >"$T/xen/log" 2>&1 &
  xpid=$!
  "$B/xenstored" -s "$T/dsock" -r "$T/drings" 2>>"$T/server.log" &
  dpid=$!
  # Both must answer before anything is compared: a script sent before a
  # daemon listens would leave its tree behind the other's for the rest of
  # the run (xsmsg retries the connection; this bounds the wait at ~10 s).
  for s in "$T/xen/socket" "$T/dsock"; do
    echo 'GET_DOMAIN_PATH 0' | "$B/xsmsg" "$s" >/dev/null || bad "differential: no answer on $s"
  done
  # Every client below waits for each reply by req_id and drains events with
  # SYNC (a request whose reply follows them), so nothing depends on timing.
  # Xen's daemon drops a watch event identical to one it has not yet written
  # out (XSA-326), which depends on timing when a request follows a WATCH's
  # reply before its initial event is written: the scripts put a request in
  # between in that case, so events are compared exactly.
  norm() { sed -E 's/^DIRECTORY_PART [0-9]+\|/DIRECTORY_PART <gen>|/'; }
  # run LABEL CLIENT ARGS... <script: a client that stopped early (no reply,
  # exit 1) fails the comparison even if both stopped at the same point
  run() { local label=$1; shift; "$@" || echo "CLIENT FAILED ($label)"; }
  run xen "$B/xsmsg" "$T/xen/socket" <servers/xenstore/test/differential.txt | norm >"$T/diff.xen"
  run ours "$B/xsmsg" "$T/dsock" <servers/xenstore/test/differential.txt | norm >"$T/diff.ours"
  n=$(grep -vc '^#' servers/xenstore/test/differential.txt)
  if [ "$(wc -l <"$T/diff.xen")" -ge "$n" ] && ! grep -q '^CLIENT FAILED' "$T/diff.xen" "$T/diff.ours" &&
     diff -u "$T/diff.xen" "$T/diff.ours" >"$T/diff.out"; then
    ok "differential, privileged: $(wc -l <"$T/diff.ours") replies identical to Xen 4.17 C xenstored"
  else
    bad "differential, privileged: replies differ from Xen 4.17 C xenstored"; head -30 "$T/diff.out"
    tail -3 "$T/xen/log"
  fi
  # unprivileged: domain 5 over its ring (the shim maps Xen's grant of the
  # ring page to the same files our ring_host uses)
  python3 servers/xenstore/test/differential_dom.py "$T"
  run xen "$B/xsmsg" "$T/xen/socket" <"$T/setup.txt" >"$T/setup.xen"
  run ours "$B/xsmsg" "$T/dsock" <"$T/setup.txt" >"$T/setup.ours"
  run xen timeout 300 "$B/xs-ringc" "$T/xrings" 5 <"$T/dom5.txt" | norm >"$T/dom.xen"
  run ours timeout 300 "$B/xs-ringc" "$T/drings" 5 <"$T/dom5.txt" | norm >"$T/dom.ours"
  n=$(wc -l <"$T/dom5.txt")
  if [ "$(wc -l <"$T/dom.xen")" -ge "$n" ] && cmp -s "$T/setup.xen" "$T/setup.ours" &&
     ! grep -q '^CLIENT FAILED' "$T/setup.xen" "$T/dom.xen" "$T/dom.ours" &&
     diff -u "$T/dom.xen" "$T/dom.ours" >"$T/domdiff.out"; then
    ok "differential, domain 5 over its ring: $(wc -l <"$T/dom.ours") replies identical to Xen 4.17 C xenstored"
  else
    bad "differential, domain 5: replies differ from Xen 4.17 C xenstored"; head -30 "$T/domdiff.out"
    diff "$T/setup.xen" "$T/setup.ours" | head -5; tail -3 "$T/xen/log"
  fi
  # watch events crossing connections: which ones may a domain see?
  for who in xen ours; do
    if [ $who = xen ]; then sock=$T/xen/socket; rings=$T/xrings; else sock=$T/dsock; rings=$T/drings; fi
    # the initial event of evA's last WATCH follows its reply: it stays on
    # the ring for evB, and SYNC there reads it and everything evP caused
    run $who "$B/xs-ringc" "$rings" 5 <"$T/evA.txt" >"$T/evA.$who"
    run $who "$B/xsmsg" "$sock" <"$T/evP.txt" >"$T/evP.$who"
    echo SYNC | run $who "$B/xs-ringc" "$rings" 5 >"$T/evB.$who"
  done
  if [ "$(grep -c WATCH_EVENT "$T/evB.xen")" -ge 10 ] && cmp -s "$T/evA.xen" "$T/evA.ours" &&
     ! grep -q '^CLIENT FAILED' "$T"/ev[AB].xen "$T"/evP.xen &&
     cmp -s "$T/evP.xen" "$T/evP.ours" && diff -u "$T/evB.xen" "$T/evB.ours" >"$T/evdiff.out"; then
    ok "differential, events to domain 5: the same $(grep -c WATCH_EVENT "$T/evB.ours") events as Xen 4.17 C xenstored"
  else
    bad "differential, events to domain 5 differ from Xen 4.17 C xenstored"; head -30 "$T/evdiff.out"
  fi
  # releasing the domain removes the nodes it owns
  run xen "$B/xsmsg" "$T/xen/socket" <"$T/evR.txt" >"$T/evR.xen"
  run ours "$B/xsmsg" "$T/dsock" <"$T/evR.txt" >"$T/evR.ours"
  if [ "$(grep -c WATCH_EVENT "$T/evR.xen")" -ge 8 ] && ! grep -q '^CLIENT FAILED' "$T/evR.xen" &&
     diff -u "$T/evR.xen" "$T/evR.ours" >"$T/evRdiff.out"; then
    ok "differential, RELEASE: same removals and $(grep -c WATCH_EVENT "$T/evR.ours") events as Xen 4.17 C xenstored"
  else
    bad "differential, RELEASE differs from Xen 4.17 C xenstored"; head -30 "$T/evRdiff.out"
  fi
  kill "$xpid" "$dpid" 2>/dev/null; wait "$xpid" "$dpid" 2>/dev/null
else
  bad "Xen's xenstored ($XEN_XSD) missing: install xen-utils-4.17 (scripts/deps.sh)"
fi

# --- the musl-static build (what the service runtime loads) behaves the same ---
if [ -x "$B/xenstored-static" ] && ! readelf -l "$B/xenstored-static" | grep -q INTERP; then
  "$B/xenstored-static" -s "$T/msock" -u "5:$T/msock5" -F "$T/mpid" 2>>"$T/server.log" &
  mpid=$!
  for _ in $(seq 400); do [ -s "$T/mpid" ] && break; sleep 0.05; done
  expect "musl-static xenstored: write" 0 "" env XENSTORED_PATH="$T/msock" xenstore-write /a/b c
  expect "musl-static xenstored: ls" 0 'b = "c"' env XENSTORED_PATH="$T/msock" xenstore-ls /a
  expect "musl-static xenstored: permission denial" 1 "xenstore-read: couldn't read path /a/b" \
    env XENSTORED_PATH="$T/msock5" xenstore-read /a/b
  kill "$mpid"; wait "$mpid" 2>/dev/null
else
  bad "musl-static xenstored not built or not static"
fi

kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; src=$?; SRV_PID=
[ "$src" -eq 0 ] && ok "clean shutdown on SIGTERM" || bad "exit status $src on SIGTERM"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

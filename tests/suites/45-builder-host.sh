#!/usr/bin/env bash
# The domain-builder program on the host with its fake back end: boot
# configuration (service domain first), xl over COM2 through scripts/xl-client
# (a Unix socket standing in for QEMU's COM2 socket), a malformed config
# refused with file:line: reason and nothing changed, destroy/create, and the
# console shell on stdin.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin=$O/host/domain-builder/domain-builder
passed=0 failed=0
ok()   { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi; }
has()  { if grep -qxF -- "$2" <<<"$3"; then ok "$1"; else fail "$1: no line [$2] in [$3]"; fi; }

kernel=
for k in "$O/servers/runtime.elf" "$O"/guests/*.elf; do [ -f "$k" ] && { kernel=$k; break; }; done
if [ ! -x "$bin" ] || [ -z "$kernel" ]; then
  fail "$bin or a PV kernel image is missing (run make)"; echo "$passed passed, $failed failed"; exit 1
fi
t=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$t"' EXIT
cp "$kernel" "$t/pv.elf"
printf 'name = "web"\nkernel = "pv.elf"\nmemory = 16\n' >"$t/web.cfg"
printf 'name = "xenstore"\nkernel = "pv.elf"\nmemory = 8\ncapabilities = [ "XENSTORE" ]\n' >"$t/xs.cfg"
printf 'name = "bad"\nkernel = "pv.elf"\nvcpus = 99\n' >"$t/bad.cfg"
printf '# boot configuration\nweb.cfg\nxs.cfg\n' >"$t/boot.list"

sock=$t/com2.sock
mkfifo "$t/in"
"$bin" --fake 64 --boot boot.list --dir "$t" --com2 "unix:$sock" <"$t/in" >"$t/log" 2>&1 &
pid=$!
exec 3>"$t/in"                       # the builder's console input
xl() { timeout 20 python3 scripts/xl-client -s "$sock" -t 10 "$@"; }

out=$(xl list); rc=$?
check "xl list over COM2 succeeds" "$rc" 0
has "xl list header" "Name                                        ID   Mem VCPUs     State    Time(s)" "$out"
has "xenstore (service) is domain 1" "xenstore                                     1     8     1     r-----       0.0" "$out"
has "web (guest) is domain 2" "web                                          2    16     1     r-----       0.0" "$out"
grep -q "created domain 1 (xenstore)" "$t/log" && ok "log: service domain created first" || fail "log lacks created domain 1 (xenstore)"

before=$(xl info | grep free_memory)
out=$(xl create "$t/bad.cfg"); rc=$?
check "malformed config: exit status 1" "$rc" 1
check "malformed config: file:line: reason" "$out" "xl: $t/bad.cfg:3: 'vcpus' must be between 1 and 8"
check "malformed config: memory unchanged" "$(xl info | grep free_memory)" "$before"
check "malformed config: still 3 domains" "$(xl list | wc -l)" 4

out=$(printf 'destroy web\ncreate web.cfg\npause web\nlist\n' | xl)
has "destroy then create" "created domain 2 (web)" "$out"
has "paused state" "web                                          2    16     1     --p---       0.0" "$out"
out=$(xl frobnicate); check "unknown command refused" "$out" "xl: unknown command 'frobnicate' (try 'xl help')"

echo "xl list" >&3
sleep 0.5
grep -qE '^web +2 ' "$t/log" && ok "console shell answers on stdout" || fail "no list answer on the console"
grep -qxF 'xl> xl list' "$t/log" && ok "console shell echoes the line after its prompt" || fail "no echo line on the console"

# scripts/xl, the host command: xl's verbs, files sent from the host
X() { timeout 60 python3 scripts/xl -s "$sock" -t 30 "$@"; }
out=$(X list); rc=$?
check "xl list: exit 0" "$rc" 0
has "xl list: xl's header" "Name                                        ID   Mem VCPUs     State    Time(s)" "$out"
mkdir -p "$t/host/cfg"
cp "$kernel" "$t/host/kern.elf"
printf 'name = "hosted"\nkernel = "kern.elf"\nmemory = 8\n' >"$t/host/cfg/hosted.cfg"
out=$(cd "$t/host" && timeout 60 python3 "$OLDPWD/scripts/xl" -s "$sock" create cfg/hosted.cfg memory=12 2>"$t/err"); rc=$?
check "xl create from the host (kernel relative to the current directory, as xl)" "$rc/$out" "0/created domain 3 (hosted)"
check "xl create: 'Parsing config from' on stderr, as xl" "$(cat "$t/err")" "Parsing config from cfg/hosted.cfg"
has "KEY=VALUE appended: 12 MiB" "hosted                                       3    12     1     r-----       0.0" "$(X list)"
out=$(cd "$t" && timeout 60 python3 "$OLDPWD/scripts/xl" -s "$sock" create host/cfg/hosted.cfg name=h2 2>&1); rc=$?
check "kernel path relative to the cwd, not the config's folder: refused" "$rc/$(tail -n 1 <<<"$out")" "1/xl: kernel kern.elf: No such file or directory"
out=$(X destroy 0 2>&1); rc=$?
check "xl destroy 0 says why" "$rc/$out" "1/xl: domain 0 is the domain builder itself (the control domain that runs these commands): it cannot destroy itself"
out=$(X frob 2>&1); rc=$?
check "unknown verb: exit 2" "$rc/$out" "2/xl: command 'frob' is not implemented by Tessera (try 'xl help')"
out=$(X vbd-create data 1M 2>&1); rc=$?
check "xl vbd-create passed to the shell (no block backend here)" "$rc/$out" "1/xl: backend domain 'blkback' is not running (or xenstore is not)"
out=$(X vbd-list -b nosuch 2>&1); rc=$?
check "xl vbd-list -b BACKEND" "$rc/$out" "1/xl: backend domain 'nosuch' is not running (or xenstore is not)"
out=$(echo hi | X console web); rc=$?
check "xl console web (stdin a pipe): attaches, detaches when it ends, exit 0" "$rc" 0
out=$(X console nosuch 2>&1); rc=$?
check "xl console of an unknown domain" "$rc/$out" "1/xl: no domain 'nosuch'"
out=$(X list); rc=$?
check "the shell answers again after the console" "$rc/$(head -n 1 <<<"$out" | cut -c1-4)" "0/Name"
out=$(X destroy hosted); rc=$?
check "xl destroy" "$rc/$out" "0/destroyed domain 3 (hosted)"

# a client that leaves while attached to a console, or mid-line, leaves
# nothing behind for the next one
python3 - "$sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"xl console web\n"); time.sleep(0.5); s.sendall(b"inf"); s.close()
PY
sleep 0.3
out=$(X list); rc=$?
check "after a client left attached: xl list runs in the shell" "$rc/$(head -n 1 <<<"$out")" "0/Name                                        ID   Mem VCPUs     State    Time(s)"
python3 - "$sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(0.3)
s.sendall(b"inf"); s.close()
PY
sleep 0.3
out=$(python3 scripts/xl-client -s "$sock" -t 10 list | head -n 1)
check "a partial line of a client that left is dropped" "$out" "Name                                        ID   Mem VCPUs     State    Time(s)"
exec 3>&-
sleep 0.3
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

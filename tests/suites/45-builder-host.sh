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
has "destroy then create" "created domain 2" "$out"
has "paused state" "web                                          2    16     1     --p---       0.0" "$out"
out=$(xl frobnicate); check "unknown command refused" "$out" "xl: unknown command 'frobnicate' (try 'xl help')"

echo "xl list" >&3
sleep 0.5
grep -qE '^(xl> )?web +2 ' "$t/log" && ok "console shell answers on stdout" || fail "no list answer on the console"
exec 3>&-
sleep 0.3
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

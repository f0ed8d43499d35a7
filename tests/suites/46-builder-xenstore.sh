#!/usr/bin/env bash
# The domain builder with the real xenstore domain: the builder creates
# build/servers/xenstored (XENSTORE capability) with its own ring on the
# command line (--master-domid/--event/--master-gref), xenstored connects to
# it as the control domain; the next domain is written to xenstore and
# introduced; xl destroy releases it; xl restart of the xenstore domain keeps
# its id and the builder connects again and re-introduces the others.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
passed=0 failed=0
ok()   { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi; }

for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
         "$O/servers/builder-tests/svc" "$O/servers/xenstored"; do
  [ -f "$f" ] || { fail "$f is missing (run make)"; echo "$passed passed, $failed failed"; exit 1; }
done
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-46x.XXXXXX")
log=$O/test-logs/builder-xenstore.serial
mkdir -p "$O/test-logs"
qpid=
cleanup() { [ -n "$qpid" ] && kill -- -"$qpid" 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT

printf 'name = "xenstore"\nkernel = "runtime.elf"\nmemory = 16\ncapabilities = [ "XENSTORE" ]\nextra = "restart=always name=xenstored"\nmodules = [ "xenstored" ]\non_crash = "restart"\n' >"$t/xs.cfg"
printf 'name = "svc-a"\nkernel = "runtime.elf"\nmemory = 8\ncapabilities = [ "SCHED" ]\nmodules = [ "svc name=a" ]\n' >"$t/a.cfg"
printf 'name = "svc-b"\nkernel = "runtime.elf"\nmemory = 8\nmodules = [ "svc name=b" ]\n' >"$t/b.cfg"
printf 'xs.cfg\na.cfg\n' >"$t/boot.list"
cp "$O/servers/runtime.elf" "$t/runtime.elf"
sock=$t/com2.sock
mods=(--module "$O/servers/runtime.elf" --module "$O/servers/domain-builder:--boot boot.list")
for f in boot.list xs.cfg a.cfg b.cfg runtime.elf; do mods+=(--module "$t/$f:$f"); done
mods+=(--module "$O/servers/xenstored:xenstored" --module "$O/servers/builder-tests/svc:svc")
setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --append "dom0_mem=48" --mem 256 \
  --timeout 280 --log "$log" --qemu-arg -chardev \
  --qemu-arg "socket,id=c2,path=$sock,server=on,wait=off" \
  --qemu-arg -device --qemu-arg isa-serial,chardev=c2 >/dev/null 2>&1 &
qpid=$!

wait_for() {
  local end=$(( $(date +%s) + ${2:-120} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if tr -d '\r' <"$log" 2>/dev/null | grep -qxF -- "$1"; then ok "log has: $1"; return 0; fi
    sleep 0.5
  done
  fail "log lacks: $1"; return 1
}
xl() { timeout 60 python3 scripts/xl-client -s "$sock" -t 50 "$@"; }

# wait_re REGEX: some line matches.
wait_re() {
  local end=$(( $(date +%s) + ${2:-120} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if tr -d '\r' <"$log" 2>/dev/null | grep -qE -- "$1"; then ok "log matches: $1"; return 0; fi
    sleep 0.5
  done
  fail "no log line matches: $1"; return 1
}

# xenstore first: a domain created before it has no store channel
wait_for "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_for "(d0) domain-builder: created domain 2 (svc-a)"
wait_for "(d0) (d1) xenstored: control domain 0 connected"
wait_re '^\(d0\) \(d1\) xenstored: domain 2 introduced \(port [0-9]+ -> local [0-9]+\)$'
check "xl create svc-b" "$(xl create b.cfg)" "created domain 3"
wait_re '^\(d0\) \(d1\) xenstored: domain 3 introduced \(port [0-9]+ -> local [0-9]+\)$'
wait_for "(d0) (d3) svc b: instance 1 on domain 3"
check "xl destroy svc-b" "$(xl destroy svc-b)" ""
wait_for "(d0) (d1) xenstored: domain 3 released"
check "xl restart xenstore" "$(xl restart xenstore)" "restarted xenstore as domain 1"
sleep 3
n=$(tr -d '\r' <"$log" | grep -cxF "(d0) (d1) xenstored: control domain 0 connected")
check "the builder connected again" "$n" 2
n=$(tr -d '\r' <"$log" | grep -cE '^\(d0\) \(d1\) xenstored: domain 2 introduced')
check "svc-a introduced again" "$n" 2
if tr -d '\r' <"$log" | grep -qE 'FAIL|PANIC|domain-builder: xenstore: .* failed'; then
  fail "unexpected line: $(tr -d '\r' <"$log" | grep -E 'FAIL|PANIC|xenstore: .* failed' | head -n 1)"
else
  ok "no FAIL, PANIC or xenstore failure lines"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# xenstored as the xenstore service domain, on the real stack. The hypervisor
# boots the domain builder (first domain) with a boot configuration of three
# service-runtime domains:
#   1 xs-master  servers/xenstore/test/domtest role=master: plays the control
#                domain's part of docs/xenstore.md ("The builder and the
#                xenstore domain"): grants the xenstore domain a ring page
#                (gntalloc, grant 8) and an unbound port, talks to it with
#                servers/lib's xenstore client over that ring, introduces
#                domain 3, watches it, crashes the xenstore program
#                (CONTROL crash) and checks the state survived the restart,
#                sees @releaseDomain when domain 3 is gone;
#   2 xenstore   build/servers/xenstored with the XENSTORE capability;
#                the builder grants it every later domain's ring (grant 1)
#                and store port;
#   3 xs-guest   domtest role=guest over its own /dev/xen/xenbus: relative
#                paths, a permission denial, a watch across the restart;
#                exits, the builder destroys it, xenstored releases it.
# Exact serial lines; a missing line within its time limit is a failure.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
passed=0 failed=0
ok()   { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }

for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
         "$O/servers/xenstored" "$O/servers/xs-tests/domtest"; do
  [ -f "$f" ] || { fail "$f is missing (run make)"; echo "$passed passed, $failed failed"; exit 1; }
done
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-23.XXXXXX")
log=$t/serial       # copied to $O/test-logs/xenstore-domain.serial at the end
mkdir -p "$O/test-logs"
qpid=
cleanup() {
  [ -n "$qpid" ] && kill -- -"$qpid" 2>/dev/null
  cp "$log" "$O/test-logs/xenstore-domain.serial" 2>/dev/null
  rm -rf "$t"
}
trap cleanup EXIT

# The master's ring: its first gntalloc grant (8) and the port its runtime
# hands out for its first BIND_UNBOUND_PORT (after the console port and the
# runtime's own VIRQ ports); the master prints both and we check them.
MASTER_GREF=8 MASTER_PORT=3
cfg() { # name caps extra module-line
  printf 'name = "%s"\nkernel = "runtime.elf"\nmemory = 16\n' "$1"
  [ -n "$2" ] && printf 'capabilities = [ %s ]\n' "$2"
  printf 'extra = "%s"\nmodules = [ "%s" ]\n' "$3" "$4"
}
cfg xs-master '"SCHED"' "restart=never name=domtest" "domtest role=master xs=2 guest=3 guest_port=2" >"$t/master.cfg"
cfg xenstore '"XENSTORE"' "restart=always name=xenstored" \
  "xenstored --master-domid 1 --master-gref $MASTER_GREF --event $MASTER_PORT --allow-crash" >"$t/xenstore.cfg"
cfg xs-guest "" "restart=never name=domtest" "domtest role=guest" >"$t/guest.cfg"
printf 'master.cfg\nxenstore.cfg\nguest.cfg\n' >"$t/boot.list"
cp "$O/servers/runtime.elf" "$t/runtime.elf"

# each boot file is named by the word after its path (the builder looks files
# up by name in /boot)
mods=(--module "$O/servers/runtime.elf" --module "$O/servers/domain-builder:--boot boot.list")
for f in boot.list master.cfg xenstore.cfg guest.cfg runtime.elf; do mods+=(--module "$t/$f:$f"); done
mods+=(--module "$O/servers/xenstored:xenstored" --module "$O/servers/xs-tests/domtest:domtest")
setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --append "dom0_mem=48" \
  --mem 256 --timeout 280 --log "$log" >/dev/null 2>&1 &
qpid=$!

# wait_for LINE [SECONDS]: the serial log gets this exact line.
wait_for() {
  local end=$(( $(date +%s) + ${2:-120} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if tr -d '\r' <"$log" 2>/dev/null | grep -qxF -- "$1"; then ok "log has: $1"; return 0; fi
    if tr -d '\r' <"$log" 2>/dev/null | grep -qE 'xs-test [a-z]+: FAIL|PANIC'; then break; fi
    sleep 0.5
  done
  fail "log lacks: $1"; return 1
}
M="(d0) (d1) xs-test master:"
X="(d0) (d2) xenstored:"
G="(d0) (d3) xs-test guest:"

wait_for "(d0) domain-builder: created domain 3 (xs-guest)" 150
wait_for "$M ring page grant $MASTER_GREF, port $MASTER_PORT for domain 2"
wait_for "$X xenstore domain 2, instance 1"
wait_for "$X getdomaininfo refused (-1): dead domains are found through their event channels"
wait_for "$X domain 1 introduced (port $MASTER_PORT -> local 4, privileged)"
wait_for "$X control domain 1 connected"
wait_for "$M connected: /tool/test = hello"
wait_for "$M introduced domain 3"
wait_for "$X domain 3 introduced (port 2 -> local 5)"
wait_for "$M @introduceDomain fired"
wait_for "$M is domain 3 introduced: 1"
wait_for "$G wrote data"
wait_for "$G read /tool/test: EACCES"
wait_for "$M event /local/domain/3/data"
wait_for "$M domain 3 wrote: hello from the guest"
wait_for "$G event reply"
wait_for "$G reply: hi"
wait_for "$M event /local/domain/3/ack"
wait_for "$X crashing on request (CONTROL crash)"
wait_for "(d0) (d2) runtime: restarting the program (restart 1 of 5)"
wait_for "$X xenstore domain 2, instance 2"
wait_for "$M after the restart: /tool/test = hello"
wait_for "$G reply: after the restart"
wait_for "$G done"
wait_for "$X domain 3 is gone" 60
wait_for "$X domain 3 released"
wait_for "$M event @releaseDomain"
wait_for "$M @releaseDomain fired"
wait_for "$M is domain 3 introduced: 0"
wait_for "$M read /local/domain/3/data after release: ENOENT"
wait_for "$M done"

if tr -d '\r' <"$log" | grep -qE 'FAIL|PANIC'; then
  fail "unexpected line: $(tr -d '\r' <"$log" | grep -E 'FAIL|PANIC' | head -n 1)"
else
  ok "no FAIL or PANIC lines"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

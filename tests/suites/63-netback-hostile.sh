#!/usr/bin/env bash
# The hostile frontend (issue 15): netback, an echo domain (nettest echo)
# and nettest hostile, a frontend that puts every malformed request on its
# transmit ring (size 0, shorter than a header, crossing its page, larger
# than a page, a grant never made, a grant to another domain, fragments
# as large as the packet, 19 slots, GSO of a type not offered or of size
# 0, a packet published in two halves), spoofed source MAC, IP and ARP
# frames, rings whose producer runs 1000 past the ring, a fragment chain
# that never ends, unknown and too many extras, and frontend nodes
# netback must refuse (ring refs, event channels, feature flags,
# multi-queue counts).  The guest checks each answer (NETIF_RSP_ERROR in
# every slot, the device closed and reconnected, a connect refused) and
# that its peer still echoes between the cases; the suite checks
# netback's counters (the spoofed frames, the refused packets) and that
# the echo domain kept working.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 63h 63-netback-hostile.serial
D=tests/netback
# netback's console (xl console over COM2, tests/linux-domu/console.py)
con() { timeout 300 python3 tests/linux-domu/console.py -s "$sock" -t 120 "$@"; }
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/servers/xenstored" \
  "$O/servers/netback" "$O/servers/nettest"
XL_T=100
mods=()
for f in boot.list xs.cfg netback.cfg echo.cfg hostile.cfg; do mods+=("$D/$f:$f"); done
mods+=("$O/servers/runtime.elf:runtime.elf" "$O/servers/xenstored:xenstored" "$O/servers/netback:netback" "$O/servers/nettest:nettest")
QEMU_TIMEOUT=600 boot_builder 512 "dom0_mem=64" boot.list "${mods[@]}"
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150 || finish
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
out=$(xl create netback.cfg); nb=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create netback.cfg" "$out" "created domain $nb (netback)"
wait_line "(d0) (d$nb) netback: serving /local/domain/$nb/backend/vif" 60 || finish
out=$(xl create echo.cfg); e=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create echo.cfg" "$out" "created domain $e (nettest-echo)"
wait_line "(d0) (d$e) nettest: echo on domain $e, 1 vif connected" 60 || finish
out=$(xl create hostile.cfg); h=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create hostile.cfg" "$out" "created domain $h (nettest-hostile)"
wait_re "^\(d0\) \(d$h\) nettest: hostile done: [0-9]+ passed, [0-9]+ failed$" 400 || finish
# the guest's own checks, one by one
while IFS= read -r l; do
  case $l in
    *"nettest: PASS "*) ok "nettest-hostile: ${l#*nettest: PASS }" ;;
    *"nettest: FAIL"*) fail "nettest-hostile: ${l#*nettest: }" ;;
  esac
done < <(slog | grep -F "(d$h) nettest: ")
n=$(slog | grep -cF "(d$h) nettest: PASS ")
[ "$n" -ge 60 ] && ok "nettest-hostile ran all its cases ($n checks)" || fail "nettest-hostile: only $n checks passed"
# netback said why it closed the device each time
for why in "transmit ring indices past the ring" "a fragment chain longer than any packet" \
  "an unknown extra type" "more extras than any packet needs" "receive ring indices past the ring"; do
  wait_line "(d0) (d$nb) netback: vif$h.0: $why; closing" 5
done
out=$(con netback '!counters' 2>&1; con netback '!vifs' 2>&1)
printf '%s\n' "$out" >"$log.counters"
spoof=$(sed -n "s/^1: vif$h\.0 in .* spoof \([0-9]*\) .*/\1/p" <<<"$out")
check "netback counted the 4 spoofed frames on vif$h.0" "$spoof" 4
# the echo domain's answer to the frame sent with the receive ring broken
# found vif$h.0 unable to take it
xmit=$(sed -n "s/^1: vif$h\.0 in .* xmit \([0-9]*\)$/\1/p" <<<"$out")
check "netback counted the frame it could not deliver to the broken ring" "$xmit" 1
errs=$(sed -n "s/^1: vif$h\.0 tx [0-9]* pkts [0-9]* bytes \([0-9]*\) errors .*/\1/p" <<<"$out")
check "netback counted the 10 refused packets on vif$h.0" "$errs" 10
echo_rx=$(sed -n "s/^1: vif$e\.0 tx \([0-9]*\) pkts .*/\1/p" <<<"$out")
check "the echo domain answered every frame that reached it (7)" "$echo_rx" 7
slog | grep -qE "runtime: program killed|PANIC" && fail "a crash in the log" || ok "netback and the guests did not crash"
finish

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
. tests/netback/lib.sh
QEMU_TIMEOUT=600 nb_boot "netback nettest" netback.cfg echo.cfg hostile.cfg
nb_netback netback.cfg
nb=$NB
nb_create echo.cfg nettest-echo
e=$ID
wait_line "(d0) (d$e) nettest: echo on domain $e, 1 vif connected" 60 || finish
nb_create hostile.cfg nettest-hostile
h=$ID
wait_re "^\(d0\) \(d$h\) nettest: hostile done: [0-9]+ passed, [0-9]+ failed$" 400 || finish
# the guest's own checks, one by one
nb_guest_checks $h nettest-hostile
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
xmit=$(sed -n "s/^1: vif$h\.0 in .* xmit \([0-9]*\) ttl .*$/\1/p" <<<"$out")
check "netback counted the frame it could not deliver to the broken ring" "$xmit" 1
errs=$(sed -n "s/^1: vif$h\.0 tx [0-9]* pkts [0-9]* bytes \([0-9]*\) errors .*/\1/p" <<<"$out")
check "netback counted the 10 refused packets on vif$h.0" "$errs" 10
echo_rx=$(sed -n "s/^1: vif$e\.0 tx \([0-9]*\) pkts .*/\1/p" <<<"$out")
check "the echo domain answered every frame that reached it (7)" "$echo_rx" 7
slog | grep -qE "runtime: program killed|PANIC" && fail "a crash in the log" || ok "netback and the guests did not crash"
finish

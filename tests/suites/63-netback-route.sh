#!/usr/bin/env bash
# The VFR's L3 routing (issue 15): netback started with two router
# addresses (10.0.4.254/24, 10.0.5.254/24) and a nettest domain with a vif
# on each subnet.  nettest checks (servers/nettest/nt_route.c): ARP for the
# gateway answered from fe:ff:ff:ff:ff:ff; a datagram to the other subnet
# makes the router ask for the next hop, then goes through with its TTL one
# lower, the router's MAC as source and a correct header checksum; TTL 1 is
# not forwarded (an ICMP time exceeded comes back instead), a datagram to
# an unrouted address brings an ICMP network unreachable.  The suite checks
# netback's counters of vif 0: 1 routed, 2 without a route or next hop,
# 1 TTL drop, 2 ICMP errors sent.  Then netback's program crashes and comes
# back with both router addresses (kept in xenstore with the rule set).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 63o 63-netback-route.serial
. tests/netback/lib.sh
QEMU_TIMEOUT=400 nb_boot "netback nettest" netback-route.cfg route-cmds route.cfg
nb_netback netback-route.cfg
wait_line "(d0) (d$NB) route added 10.0.5.254/24" 10
nb_create route.cfg nettest-route
id=$ID
wait_re "^\(d0\) \(d$id\) nettest: route done: [0-9]+ passed, [0-9]+ failed$" 120 || finish
nb_guest_checks $id nettest-route
check "nettest-route ran its 18 checks" "$(slog | grep -cF "(d$id) nettest: PASS ")" 18
out=$(con netback '!counters' 2>&1)
check "netback's counters of vif$id.0: 1 TTL drop, 2 without a route or next hop, 1 routed, 2 ICMP errors" \
  "$(sed -n "s/^1: vif$id\.0 in .* ttl \([0-9]*\) noroute \([0-9]*\) routed \([0-9]*\) icmp \([0-9]*\)$/\1 \2 \3 \4/p" <<<"$out")" "1 2 1 2"
# the router addresses are kept in xenstore with the rule set: netback's
# program crashed (the runtime restarts it) comes back with both
m=$(mark)
c1=$(con netback '!crash' 2>&1)
grep -qE '^1: netback: crashing \(SIGKILL\) at [0-9]+ us' <<<"$c1" && ok "netback's program crashed" ||
  fail "netback did not crash: $(head -c 200 <<<"$c1")"
# (after `con`, the program's lines come on its console rather than in the log)
end=$(( $(date +%s) + 60 ))
while :; do
  sleep 2; c2=$(con netback '!routes' 2>&1); c1+=$'\n'$c2
  grep -q '^1: router ' <<<"$c2" || [ "$(date +%s)" -ge $end ] && break
done
all=$( (sed -n 's/^1: //p' <<<"$c1"; sed -n 's/^1: //p' <<<"$c2"; slog | tail -n +$((m + 1)) | sed -nE "s/^\(d0\) \(d$NB\) //p") | tr -d '\r')
grep -qx "netback: router addresses restored: 10.0.4.254/24 10.0.5.254/24" <<<"$all" &&
  ok "the restarted netback read both router addresses back from xenstore" || fail "router addresses not restored"
grep -qx "netback: rules restored from /local/domain/$NB/data/vfr; /boot/route-cmds not run" <<<"$all" &&
  ok "... and did not run route-cmds again" || fail "route-cmds ran again (or no restore line)"
check "routes after the restart" "$(sed -n 's/^1: //p' <<<"$c2" | tr -d '\r' | grep -E '^(router |[0-9.]+/[0-9]+$)' | tr '\n' ' ')" \
  "router fe:ff:ff:ff:ff:ff 10.0.4.254/24 10.0.5.254/24 "
slog | grep -qE "PANIC" && fail "a panic in the log" || ok "no panic"
finish

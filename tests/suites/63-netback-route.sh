#!/usr/bin/env bash
# The VFR's L3 routing (issue 15): netback started with two router
# addresses (10.0.4.254/24, 10.0.5.254/24) and a nettest domain with a vif
# on each subnet.  nettest checks (servers/nettest/nt_route.c): ARP for the
# gateway answered from fe:ff:ff:ff:ff:ff; a datagram to the other subnet
# makes the router ask for the next hop, then goes through with its TTL one
# lower, the router's MAC as source and a correct header checksum; TTL 1 is
# not forwarded.  The suite checks netback's counters of vif 0: 1 routed,
# 1 without a next hop yet, 1 TTL drop.
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
check "nettest-route ran its 10 checks" "$(slog | grep -cF "(d$id) nettest: PASS ")" 10
out=$(con netback '!counters' 2>&1)
check "netback's counters of vif$id.0: 1 TTL drop, 1 without a next hop, 1 routed" \
  "$(sed -n "s/^1: vif$id\.0 in .* ttl \([0-9]*\) noroute \([0-9]*\) routed \([0-9]*\)$/\1 \2 \3/p" <<<"$out")" "1 1 1"
slog | grep -qE "runtime: program killed|PANIC" && fail "a crash in the log" || ok "no crash"
finish

#!/usr/bin/env bash
# VFR rules changed while traffic flows (issue 15): nettest floods from its
# vif 0 to its vif 1 for 40 s, UDP to ports 7001 and 7002 in turn, through
# netback started with one accept rule per port.  Meanwhile the suite adds
# a drop rule for 7001, one for 7002, deletes the first, switches the
# default (which no flood frame reaches), deletes the second.  Each change
# replaces the whole rule set in one store, so every frame is evaluated
# against one set and counted by exactly one rule: per port, the packets
# of all rules (those still there and, from the answer to "del", those
# deleted) add up to the frames sent, the accept rules' counts equal the
# frames nettest received, and the drop rules' counts equal netback's rule
# drops on vif 1.
# Then netback dies four times with the flood's vifs connected (the flood
# over): its program crashes (the runtime restarts it), then its domain
# dies by `xl restart netback`, `crash domain` and `xl destroy netback`
# (the builder rebuilds it with its id); after each, every counter is back
# exactly — the rules', the ports' and the vifs' (kept in the state pages
# the builder keeps for the domain: state_pages) — with the rules and the
# per-vif settings (rates, addresses, anti-spoofing off on vif 1).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 63l 63-netback-rules-live.serial
. tests/netback/lib.sh
QEMU_TIMEOUT=600 nb_boot "netback nettest" netback-flood.cfg flood-rules flood.cfg
nb_netback netback-flood.cfg
nb_create flood.cfg nettest-flood
id=$ID
wait_line "(d0) (d$id) nettest: flood started" 120 || finish
# netback's answer to a command: the line of the session that starts with want
say() { con netback "!$1" 2>&1 | sed -n 's/^1: //p' | grep -m1 -- "^$2"; }
sleep 5
check "add 0: drop 7001 while the flood runs" "$(say 'add 0 ip4 proto=udp dport=7001 drop' added)" \
  "added 0: ip4 proto=udp dport=7001 drop"
sleep 4
check "add 0: drop 7002 while the flood runs" "$(say 'add 0 ip4 proto=udp dport=7002 drop' added)" \
  "added 0: ip4 proto=udp dport=7002 drop"
sleep 4
d1=$(say 'del 1' deleted)
check "del 1 (the 7001 drop rule) while the flood runs" "$(sed 's/ *\[.*//' <<<"$d1")" "deleted 1: ip4 proto=udp dport=7001 drop"
sleep 3
check "default drop while the flood runs" "$(say 'default drop' default)" "default drop"
sleep 3
d0=$(say 'del 0' deleted)
check "del 0 (the 7002 drop rule) while the flood runs" "$(sed 's/ *\[.*//' <<<"$d0")" "deleted 0: ip4 proto=udp dport=7002 drop"
wait_re "^\(d0\) \(d$id\) nettest: flood done: " 120 || finish
rules=$(con netback '!rules' 2>&1; con netback '!counters' 2>&1)
done_line=$(slog | grep -m1 "(d$id) nettest: flood done: ")
python3 - "$done_line" "$d1" "$d0" "$id" >"$t/checks.txt" <<PY
import re, sys
done, d1, d0, dom = sys.argv[1:5]
rules = """$rules"""
def say(ok, what):
    print(("ok - " if ok else "FAIL - ") + what)
m = re.search(r"sent (\d+) (\d+) received (\d+) (\d+) tx-ok (\d+) tx-errors (\d+)", done)
sent, recv = [int(m.group(1)), int(m.group(2))], [int(m.group(3)), int(m.group(4))]
say(int(m.group(5)) == sum(sent) and int(m.group(6)) == 0,
    "netback took every frame nettest sent (%d, no errors)" % sum(sent))
def counts(text):
    m = re.search(r"\[(\d+) pkts (\d+) bytes", text)
    return int(m.group(1)) if m else -1
acc = {}
for p in (7001, 7002):
    m = re.search(r"\d+: ip4 proto=udp dport=%d accept  \[(\d+) pkts" % p, rules)
    acc[p] = int(m.group(1)) if m else -1
drop = {7001: counts(d1), 7002: counts(d0)}
for i, p in enumerate((7001, 7002)):
    say(acc[p] + drop[p] == sent[i],
        "port %d: accept rule %d + drop rule %d = %d frames sent" % (p, acc[p], drop[p], sent[i]))
    say(acc[p] == recv[i], "port %d: nettest received %d = the accept rule's count %d" % (p, recv[i], acc[p]))
    say(drop[p] > 0 and acc[p] > 0, "port %d: both rules saw traffic (%d dropped, %d accepted)" % (p, drop[p], acc[p]))
m = re.search(r"vif%s\.1 in .* rule (\d+) rate-out (\d+) xmit (\d+)" % dom, rules)
say(m is not None and int(m.group(1)) == drop[7001] + drop[7002],
    "netback's rule drops on vif%s.1 (%s) = the drop rules' counts (%d)" % (dom, m.group(1) if m else "?", drop[7001] + drop[7002]))
PY
nb_checks "$t/checks.txt"

# netback's state as its console shows it: RULES, COUNTERS, VIFS, PORTS
state() { local c; for c in rules counters vifs ports; do con netback "!$c" 2>&1 | sed -n 's/^1: //p' | tr -d '\r'; done; }
before=$(state)
grep -q "^vif$id\.1 in " <<<"$before" && grep -q "^1 vif$id\.1 vif 00:16:3e:00:02:02 (no anti-spoofing) ipv4 2 ipv6 0 in 0 B/s 0 p/s out 90000000 B/s 900000 p/s$" <<<"$before" &&
  grep -q "^0 vif$id\.0 vif 00:16:3e:00:02:01 ipv4 1 ipv6 0 in 100000000 B/s 1000000 p/s out 0 B/s 0 p/s$" <<<"$before" &&
  ok "before the restarts: both vifs with their settings from flood.cfg" || fail "vif settings before the restarts: $before"
m=$(mark)
c1=$(con netback '!crash' 2>&1)
grep -qE '^1: netback: crashing \(SIGKILL\) at [0-9]+ us' <<<"$c1" && ok "restart 1: netback's program crashed" ||
  fail "restart 1: netback did not crash: $(head -c 200 <<<"$c1")"
# Waits up to $1 s for both vifs back; $all: what the new instance logged
# since mark $m (after `con`, its lines come on its console rather than in
# the log), with $2 first
back() {
  local end=$(( $(date +%s) + $1 )) log1=$2 c2
  while :; do
    sleep 3; c2=$(con netback '!vifs' 2>&1); log1+=$'\n'$c2
    [ "$(sed -n 's/^1: //p' <<<"$c2" | grep -c "^vif$id\.[01] tx ")" = 2 ] || [ "$(date +%s)" -ge $end ] && break
  done
  all=$( (sed -n 's/^1: //p' <<<"$log1"; slog | tail -n +$((m + 1)) | sed -nE "s/^\(d0\) \(d$NB\) //p") | tr -d '\r')
}
back 90 "$c1"
grep -qx "netback: counters kept from the previous instance (2 rules, state pages)" <<<"$all" &&
  ok "restart 1: the new instance found the old one's counters (2 rules)" || fail "restart 1: no counters kept line"
after=$(state)
check "restart 1 (program): rules with their counts, port counters, vif statistics and settings all as before" \
  "$after" "$before"
# the domain dies three ways; the counters are in the builder's state pages
# (state_pages in netback-flood.cfg), so each new domain has them all, as
# netback's console and the xl shell's VFR commands show them
xlstate() { xl vfr-rule-list 2>&1; xl vfr-counters 2>&1; }
xbefore=$(xlstate)
grep -qE "^vif$id\.0 in [1-9][0-9]* pkts" <<<"$xbefore" && grep -qE "\[[1-9][0-9]* pkts" <<<"$xbefore" &&
  ok "xl vfr-counters and vfr-rule-list: the flood's counts" || fail "xl's VFR counters before the deaths: $xbefore"
n=1
for kind in "xl restart" "crash domain" "xl destroy"; do
  n=$((n + 1)); m=$(mark)
  case $kind in
  "xl restart") check "restart $n (domain): xl restart netback" "$(xl restart netback 2>&1)" "restarted netback as domain $NB" ;;
  "crash domain") con netback '!crash domain' >/dev/null 2>&1 ;;
  "xl destroy") check "restart $n (domain): xl destroy netback" "$(xl destroy netback 2>&1)" \
    "destroyed domain $NB (netback); rebuilt with its id for the devices of 1 running domain (destroy those first to remove it)" ;;
  esac
  back 120 ""
  grep -qx "netback: counters kept from the previous instance (2 rules, state pages)" <<<"$all" &&
    ok "restart $n ($kind): the new domain found the old one's counters in the state pages" ||
    fail "restart $n ($kind): no 'counters kept ... state pages' line"
  after=$(state)
  check "restart $n ($kind): rules with their counts, port counters, vif statistics and settings all as before" \
    "$after" "$before"
  check "restart $n ($kind): xl vfr-rule-list and xl vfr-counters exactly as before" "$(xlstate)" "$xbefore"
done
no_fail_lines "FAIL|PANIC|runtime: program killed"
finish

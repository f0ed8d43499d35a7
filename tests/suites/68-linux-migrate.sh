#!/usr/bin/env bash
# Live migration of Debian's Linux domU to localhost (issue 20,
# docs/migration.md): the builder is both ends.  A counter loop and a loop
# rewriting 2 MiB of memory every second run in the guest.  First the stream
# is broken twice -- in its first round, with the guest running, and in its
# last part, with the guest suspended -- and each time the receiver refuses
# it, no domain is left behind and the source runs on.  Then the migration:
# the guest continues under a new domid, the counter goes on, the source's
# frames are freed.  Total time, downtime and pages per round are printed
# (wall clock under TCG), not asserted.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 68 68-linux-migrate.serial
. tests/linux-domu/lib.sh
linux_prepare

boot boot.list 1024 xs.cfg linux-migrate.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
out=$(xl create linux-migrate.cfg)
id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-migrate.cfg" "$out" "created domain $id (linux)"
wait_line "(d0) (d$id) TESSERA-INIT-OK" 120 || finish
out=$(con linux 'dmesg -n 1' \
  '(i=0; while true; do i=$((i+1)); echo $i >/tmp/count; sleep 1; done) >/dev/null 2>&1 & echo started' \
  '(while [ ! -e /tmp/stop ]; do dd if=/dev/zero of=/tmp/dirt bs=64k count=32 2>/dev/null; sleep 1; done) >/dev/null 2>&1 & echo dirtying' \
  'sleep 3; cat /tmp/count')
check "counter and dirtying loops started" "$(out_of 2 "$out") $(out_of 3 "$out") $(rc_of 4 "$out")" \
  "started dirtying 0"

# the guest is running and logs dirty pages; the counter must go on afterwards
counts() { local o; o=$(con linux 'cat /tmp/count' 'sleep 2; cat /tmp/count'); echo "$(out_of 1 "$o") $(out_of 2 "$o")"; }
doms() { xl list | awk 'NR > 1 { print $1 "/" $2 }' | sort | tr '\n' ' '; }
before=$(doms)

out=$(XL_T=300 xl migrate -x 3000000 linux localhost)
[[ "$out" =~ ^xl:\ migration\ of\ linux\ failed:\ save\ image\ truncated\ in\ a\ record\ at\ byte\ [0-9]+\;\ it\ runs\ on$ ]] &&
  ok "a stream cut in its first round is refused: $out" || fail "cut in the first round: $out"
check "no domain left behind (first round)" "$(doms)" "$before"
read -r a b <<<"$(counts)"
[[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] && [ "$b" -gt "$a" ] && ok "the source runs on ($a -> $b)" ||
  fail "source after a cut first round: [$a] -> [$b]"

out=$(XL_T=300 xl migrate -x +6000 linux localhost)
[[ "$out" =~ ^xl:\ migration\ of\ linux\ failed:\ save\ image\ truncated\ in\ a\ record\ at\ byte\ [0-9]+\;\ it\ runs\ on$ ]] &&
  ok "a stream cut in its last part is refused, the suspended source resumed: $out" ||
  fail "cut in the last part: $out"
check "no domain left behind (last part)" "$(doms)" "$before"
read -r a b <<<"$(counts)"
[[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] && [ "$b" -gt "$a" ] && ok "the source runs on after its suspend was cancelled ($a -> $b)" ||
  fail "source after a cut last part: [$a] -> [$b]"
check "xl migrate to another host without an address refused" "$(xl migrate linux 10.0.2.2)" \
  "xl: migration to 10.0.2.2: the builder has no address on the network (-a ADDR)"
check "xl migrate -a without a network refused" "$(xl migrate -a 10.0.2.21 linux 10.0.2.2)" \
  "xl: migrate: no network: the domain 'netback' or xenstore is not running"
check "xl migrate -a to localhost refused" "$(xl migrate -a 10.0.2.21 linux localhost)" \
  "xl: migrate: -a is for another host"
check "xl migrate -a with a bad address refused" "$(xl migrate -a 10.0.2.300 linux 10.0.2.2)" \
  "xl: migrate: '10.0.2.300' is not a unicast IPv4 address"
check "xl migrate-receive without an address refused" "$(xl migrate-receive -t 5)" \
  "xl: migrate-receive: the builder has no vif (give it an address: -a ADDR)"
check "xl migrate-receive -t 0 refused" "$(xl migrate-receive -t 0)" "xl: -t wants seconds (1-86400), not '0'"
check "xl migrate -x junk refused" "$(xl migrate -x 12k linux localhost)" "xl: -x wants a number of bytes, not '12k'"

free0=$(xl info | sed -n 's/^free_memory *: *//p')
c0=$(con linux 'cat /tmp/count'); c0=$(out_of 1 "$c0")
out=$(XL_T=300 xl migrate linux localhost)
echo "# $out"
rid=$(sed -n 's/^migrated domain [0-9]* (linux) to localhost as domain \([0-9]*\):.*/\1/p' <<<"$out")
[[ "$out" =~ ^migrated\ domain\ $id\ \(linux\)\ to\ localhost\ as\ domain\ [0-9]+:\ pages\ per\ round\ [0-9\ ]+,\ then\ [0-9]+\ with\ the\ guest\ stopped\;\ [0-9]+\ bytes\;\ total\ [0-9.]+\ s,\ downtime\ [0-9.]+\ s\ \([0-9.]+\ s\ paused\)$ ]] &&
  [ -n "$rid" ] && [ "$rid" != "$id" ] && ok "xl migrate linux localhost" || { fail "xl migrate: $out"; finish; }
wait_line "(d0) domain-builder: migrated domain $id (linux) to localhost as domain $rid" 5
check "one linux, under its new domid" "$(doms | tr ' ' '\n' | grep '^linux/')" "linux/$rid"
out=$(con linux 'cat /tmp/count' 'sleep 3; cat /tmp/count' 'echo alive')
echo "$out" | sed 's/^/# /'
c1=$(out_of 1 "$out"); c2=$(out_of 2 "$out")
[[ "$c1" =~ ^[0-9]+$ ]] && [ "$c1" -ge "$c0" ] && ok "the counter survived ($c0 before, $c1 after)" ||
  fail "counter after migration: [$c1], before [$c0]"
[[ "$c2" =~ ^[0-9]+$ ]] && [ "$c2" -gt "$c1" ] && ok "the counter goes on ($c1 -> $c2)" ||
  fail "counter does not go on: [$c1] -> [$c2]"
check "the console answers" "$(out_of 3 "$out")" "alive"
free1=$(xl info | sed -n 's/^free_memory *: *//p')
echo "# free memory: $free0 MiB with the source, $free1 MiB with the destination"
[[ "$free1" =~ ^[0-9]+$ ]] && [ "$free1" = "$free0" ] && ok "the source's frames are freed ($free0 -> $free1 MiB free)" ||
  fail "free memory $free0 -> $free1 MiB"

# the same guest idle (the dirtying loop stopped, the counter left), back again
out=$(con linux 'touch /tmp/stop; sleep 2; cat /tmp/count'); c0=$(out_of 1 "$out")
out=$(XL_T=300 xl migrate linux localhost)
echo "# idle: $out"
iid=$(sed -n 's/^migrated domain [0-9]* (linux) to localhost as domain \([0-9]*\):.*/\1/p' <<<"$out")
[ -n "$iid" ] && [ "$iid" != "$rid" ] && ok "the idle guest migrated again (domain $rid -> $iid)" ||
  fail "idle migration: $out"
out=$(con linux 'cat /tmp/count' 'sleep 2; cat /tmp/count')
c1=$(out_of 1 "$out"); c2=$(out_of 2 "$out")
[[ "$c1" =~ ^[0-9]+$ && "$c2" =~ ^[0-9]+$ ]] && [ "$c1" -ge "$c0" ] && [ "$c2" -gt "$c1" ] &&
  ok "the counter goes on after the second migration ($c0, $c1, $c2)" || fail "counter after the second migration: [$c0] [$c1] [$c2]"
no_oops "no BUG/Oops/WARNING/panic in the guest's log"
no_fail_lines
finish

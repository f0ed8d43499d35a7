#!/usr/bin/env bash
# Save and restore of Debian's Linux domU (issue 20, docs/save-restore.md):
# a counter loop runs in the guest; xl save asks Linux to suspend through
# xenstore (control/shutdown = suspend: its own path), the image is written
# and the domain destroyed; xl restore rebuilds it on fresh frames and Linux
# resumes: the counter goes on, the clock is right, the console answers.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 67 67-linux-save-restore.serial
. tests/linux-domu/lib.sh
linux_prepare

boot boot.list 1024 xs.cfg linux-save.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
out=$(xl create linux-save.cfg)
id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-save.cfg" "$out" "created domain $id (linux)"
wait_line "(d0) (d$id) TESSERA-INIT-OK" 120 || finish
out=$(con linux 'dmesg -n 1' '(i=0; while true; do i=$((i+1)); echo $i >/tmp/count; sleep 1; done) >/dev/null 2>&1 & echo started' 'sleep 3; cat /tmp/count')
check "counter started" "$(out_of 2 "$out") $(rc_of 3 "$out")" "started 0"
c0=$(out_of 3 "$out")
ts0=$(date +%s.%N)
out=$(XL_T=200 xl save linux lsav)
ts1=$(date +%s.%N)
[[ "$out" =~ ^saved\ domain\ $id\ \(linux\)\ as\ lsav\ \([0-9]+\ bytes\)$ ]] && ok "xl save: $out" ||
  { fail "xl save: $out"; finish; }
wait_line "tessera: domain $id shut down: suspend" 5
tr0=$(date +%s.%N)
out=$(XL_T=200 xl restore lsav)
tr1=$(date +%s.%N)
# reported, not asserted (wall clock under TCG, the image through the builder's memory)
printf '# xl save %.1f s, xl restore %.1f s (wall clock, TCG)\n' "$(echo "$ts1 - $ts0" | bc)" "$(echo "$tr1 - $tr0" | bc)"
rid=$(sed -n 's/^restored domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl restore" "$out" "restored domain $rid (linux)"
host0=$(date +%s)
out=$(con linux 'cat /tmp/count' 'sleep 3; cat /tmp/count' 'date -u +%s' 'echo alive')
echo "$out" | sed 's/^/# /'
c1=$(out_of 1 "$out"); c2=$(out_of 2 "$out"); gdate=$(out_of 3 "$out")
[[ "$c1" =~ ^[0-9]+$ ]] && [ "$c1" -ge "$c0" ] && ok "the counter survived ($c0 before, $c1 after)" ||
  fail "counter after restore: [$c1], before [$c0]"
[[ "$c2" =~ ^[0-9]+$ ]] && [ "$c2" -gt "$c1" ] && ok "the counter goes on ($c1 -> $c2)" ||
  fail "counter does not go on: [$c1] -> [$c2]"
[[ "$gdate" =~ ^[0-9]+$ ]] && [ "$gdate" -ge $((host0 - 60)) ] && [ "$gdate" -le $(( $(date +%s) + 60 )) ] &&
  ok "the clock is right (guest $gdate, host $host0)" || fail "clock after restore: guest [$gdate], host $host0"
check "the console answers" "$(out_of 4 "$out")" "alive"
no_oops "no BUG/Oops/WARNING/panic in the guest's log"
no_fail_lines
finish

#!/usr/bin/env bash
# netback restarted under two running, unmodified Linux guests (issue 16):
# the stack of 63-linux-netback (netback's VFR between linux-net-a and
# linux-net-b, the rule "TCP to port 5002 dropped" saved in xenstore).
# While linux-net-a streams numbered lines over TCP to linux-net-b, netback
# dies twice: `crash` on its console (the program; the runtime restarts it
# with its rings and channels kept) and `xl restart netback` (the whole
# domain; the builder rebuilds it with its id and xenstore nodes).  Each
# time the new netback resumes the rings after their last responses.  The
# TCP stream must end complete and in order with no reset, ping must work
# after each restart, the VFR rule must still hold, and neither guest may
# log a netfront or xenbus message.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 66 66-netback-restart.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/netback"

BOOT_MODULES="$O/servers/netback:netback $D/netback-rules:netback-rules" \
  QEMU_TIMEOUT=600 boot boot.list 1024 xs.cfg netback.cfg linux-net-a.cfg linux-net-b.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
out=$(xl create netback.cfg); nb=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create netback.cfg" "$out" "created domain $nb (netback)"
wait_line "(d0) (d$nb) netback: serving /local/domain/$nb/backend/vif" 60 || finish
out=$(xl create linux-net-a.cfg); a=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-net-a.cfg" "$out" "created domain $a (linux-net-a)"
out=$(xl create linux-net-b.cfg); b=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-net-b.cfg" "$out" "created domain $b (linux-net-b)"
wait_line "(d0) (d$a) TESSERA-INIT-OK" 120 || finish
wait_line "(d0) (d$b) TESSERA-INIT-OK" 120 || finish
for g in a b; do
  dom=linux-net-$g; n=1; [ $g = b ] && n=2
  out=$(con $dom 'dmesg -n 1' 'insmod /lib/modules/$(uname -r)/xen-netfront.ko && echo loaded' \
    "ip addr add 10.0.0.$n/24 dev eth0 && ip link set eth0 up && echo up" \
    'for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat /sys/class/net/eth0/operstate)" = up ] && break; sleep 1; done; cat /sys/class/net/eth0/operstate')
  check "$dom: eth0 is up" "$(out_of 4 "$out")" "up"
done
ping_ok() { # ping_ok NAME: one ping from a to b answered
  local out
  out=$(con linux-net-a 'ping -c 2 -W 5 10.0.0.2 | grep -o "[0-9]* packets received"')
  case "$(out_of 1 "$out")" in "1 packets received"|"2 packets received") ok "$1";; *) fail "$1: $(out_of 1 "$out")";; esac
}
ping_ok "ping linux-net-a -> linux-net-b before the restarts"
# what each kernel said about its netfront and xenbus so far (the consoles
# are quiet at dmesg -n 1; the kernel's buffer is read instead)
klog() { out_of 1 "$(con "$1" 'dmesg | grep -ciE "netfront|xenbus|vif|eth0"')"; }
ka=$(klog linux-net-a); kb=$(klog linux-net-b)

# the stream: numbered lines until /tmp/stop exists, then nc ends; b keeps them
out=$(con linux-net-b '(sleep 900 | nc -l -p 5001 > /tmp/r) >/dev/null 2>&1 & echo listening')
check "linux-net-b: nc listens on 5001" "$(out_of 1 "$out")" "listening"
out=$(con linux-net-a '(i=0; while [ ! -f /tmp/stop ]; do echo "line $i"; i=$((i+1)); usleep 20000; done | nc 10.0.0.2 5001; echo "rc=$?" > /tmp/nc.rc) >/dev/null 2>&1 & echo streaming')
check "linux-net-a: streaming to linux-net-b" "$(out_of 1 "$out")" "streaming"
lines_b() { out_of 1 "$(con linux-net-b 'wc -l < /tmp/r')"; }
grows() { # grows WHAT: the received line count grows within 60 s
  local l0 l end=$(( $(date +%s) + 60 ))
  l0=$(lines_b)
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep 2; l=$(lines_b)
    if [ -n "$l" ] && [ -n "$l0" ] && [ "$l" -gt "$((l0 + 5))" ]; then ok "$1 ($l0 -> $l lines)"; return 0; fi
  done
  fail "$1 (stuck at $(lines_b) lines)"; return 1
}
grows "the stream flows"

m0=$(mark)
resumes() { nlines "^\(d0\) \(d$nb\) netback: vif$1\.0 queue 0: resuming rings in use at tx response [0-9]+, rx response [0-9]+$"; }
# 1: the program crashes
ra=$(resumes $a); rb=$(resumes $b)
out=$(con netback '!crash')
c=$( (sed -n 's/^1: //p' <<<"$out"; slog | tail -n +$((m0 + 1)) | sed -nE "s/^\(d0\) \(d$nb\) //p") | tr -d '\r')
grep -qE '^netback: crashing \(SIGKILL\) at [0-9]+ us$' <<<"$c" && ok "restart 1 (program): netback crashed" ||
  fail "restart 1 (program): no crash reported"
wait_more "^\(d0\) \(d$nb\) netback: vif$a\.0 queue 0: resuming rings in use" "$ra" 60 ||
  grep -qE "^netback: vif$a\.0 queue 0: resuming rings in use" <<<"$(sed -n 's/^1: //p' <<<"$out")"
[ $? = 0 ] && ok "restart 1 (program): linux-net-a's rings resumed" || fail "restart 1 (program): linux-net-a's rings not resumed"
grep -qx "netback: rules restored from /local/domain/$nb/data/vfr; /boot/netback-rules not run" <<<"$c$(printf '\n')$(slog | tail -n +$((m0 + 1)) | sed -nE "s/^\(d0\) \(d$nb\) //p")" &&
  ok "restart 1 (program): the VFR rules read back from xenstore" || fail "restart 1 (program): rules not restored"
grows "restart 1 (program): the stream flows again"
ping_ok "restart 1 (program): ping works"

# 2: the whole domain, rebuilt with its id
m1=$(mark)
check "restart 2 (domain): xl restart netback" "$(xl restart netback 2>&1)" "restarted netback as domain $nb"
wait_line "(d0) (d$nb) netback: rules restored from /local/domain/$nb/data/vfr; /boot/netback-rules not run" 60
FROM=$m1 wait_re "^\(d0\) \(d$nb\) netback: vif$a\.0 queue 0: resuming rings in use at tx response [0-9]+, rx response [0-9]+$" 60
FROM=$m1 wait_re "^\(d0\) \(d$nb\) netback: vif$b\.0 queue 0: resuming rings in use at tx response [0-9]+, rx response [0-9]+$" 60
grows "restart 2 (domain): the stream flows again"
ping_ok "restart 2 (domain): ping works"

# the end of the stream: complete, in order, no reset
con linux-net-a 'touch /tmp/stop' >/dev/null
out=$(con linux-net-a 'i=0; while [ $i -lt 60 ] && [ ! -f /tmp/nc.rc ]; do sleep 1; i=$((i+1)); done; cat /tmp/nc.rc')
check "linux-net-a: nc ended without an error (no reset)" "$(out_of 1 "$out")" "rc=0"
out=$(con linux-net-b 'sleep 3; awk '"'"'$1 != "line" || $2 != NR - 1 { bad++ } END { print NR, bad + 0 }'"'"' /tmp/r')
n=$(out_of 1 "$out" | cut -d' ' -f1)
check "linux-net-b: every line arrived once, in order (of $n)" "$(out_of 1 "$out" | cut -d' ' -f2)" 0
[ -n "$n" ] && [ "$n" -gt 20 ] && ok "linux-net-b: $n lines received" || fail "linux-net-b: only '$n' lines"

# the VFR rule from netback-rules still holds (kept in xenstore)
con linux-net-b '(sleep 300 | nc -l -p 5002 > /tmp/r2) >/dev/null 2>&1 & echo listening' >/dev/null
out=$(con linux-net-a 'echo x | nc -w 3 10.0.0.2 5002 >/dev/null 2>&1; echo rc=$?')
check "the VFR rule still drops TCP to port 5002" "$(out_of 1 "$out")" "rc=1"

check "linux-net-a's kernel logged no netfront, xenbus or eth0 message across the restarts" "$(klog linux-net-a)" "$ka"
check "linux-net-b's kernel logged no netfront, xenbus or eth0 message across the restarts" "$(klog linux-net-b)" "$kb"
no_oops "no Linux oops, BUG or warning on either guest"
no_fail_lines 'PANIC|broken|restart of netback failed'
finish

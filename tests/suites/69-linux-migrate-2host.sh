#!/usr/bin/env bash
# Live migration between two machines (issue 20, docs/migration.md): two
# QEMU machines A and B, each running Tessera with the xenstore domain and
# netback on a virtio-net NIC; the NICs are joined by QEMU's socket netdev on
# 127.0.0.1 (nothing leaves the machine).  On A, linux-mig (10.0.2.31)
# serves a counter over TCP (one line a second) to linux-cli (10.0.2.32).
# Each builder gets a vif on its netback (xl migrate[-receive] -a ADDR): the
# stream goes builder to builder over TCP through both netbacks and the link.
# First a stream cut after 3 MB: B refuses it and is left as it was (domain
# list, free memory), linux-mig runs on in A.  Then linux-mig moves to B:
# B's xl list shows it, A's free memory is back to its value before
# linux-mig was created, and linux-cli's connection -- now crossing the link
# -- goes on with no gap and no reset in the counter.  Hostile senders (a
# wrong greeting, an impossible part length) are refused by B.  Total time, downtime
# and pages per round are printed (wall clock under TCG), not asserted;
# MIG2_QEMU_ARGS adds QEMU arguments to both machines (e.g. -icount).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 69 69-linux-migrate-2host.a.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/netback"
T=$t LA=$log LB=$O/test-logs/69-linux-migrate-2host.b.serial QA= QB=
mkdir -p "$T/a" "$T/b"
for m in a b; do cp "$T/vmlinuz" "$T/initrd.gz" "$T/$m/"; done
suite_cleanup() { for p in $QA $QB; do kill -- -"$p" 2>/dev/null; done; rm -rf "$T"; }
lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nic() {
  echo "-device intel-iommu,intremap=on -netdev socket,id=n0,$1=127.0.0.1:$lport
    -device virtio-net-pci,netdev=n0,mac=$2,disable-legacy=on,iommu_platform=on,addr=05.0"
}
# on A or B: xl, console, waits on its log
xa() { sock=$T/a/com2.sock xl "$@"; }
xb() { sock=$T/b/com2.sock xl "$@"; }
ca() { sock=$T/a/com2.sock con "$@"; }
cb() { sock=$T/b/com2.sock con "$@"; }
wa() { log=$LA "$@"; }
wb() { log=$LB "$@"; }
doms() { awk 'NR > 1 { print $1 "/" $2 }' | sort | tr '\n' ' '; }
freemem() { sed -n 's/^free_memory *: *//p'; }

export QEMU_TIMEOUT=1500
t=$T/a log=$LA BOOT_MODULES="$O/servers/netback:netback" BOOT_QEMU_ARGS="${MIG2_QEMU_ARGS:-} $(nic listen 52:54:00:12:34:56)" \
  boot migrate2.list 1024 xs.cfg netback-nic.cfg linux-mig2.cfg linux-cli.cfg
QA=$qpid
sleep 3 # A listens before B connects
t=$T/b log=$LB BOOT_MODULES="$O/servers/netback:netback" BOOT_QEMU_ARGS="${MIG2_QEMU_ARGS:-} $(nic connect 52:54:00:12:34:57)" \
  boot migrate2.list 512 xs.cfg netback-nic.cfg
QB=$qpid
for m in a b; do
  w=w$m
  $w wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(netback\)$" 240 || finish
  $w wait_re "^\(d0\) \(d[0-9]+\) netback: serving /local/domain/[0-9]+/backend/vif$" 60 || finish
done

out=$(xa create linux-cli.cfg); cli=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "A: xl create linux-cli.cfg" "$out" "created domain $cli (linux-cli)"
free_a0=$(xa info | freemem)
out=$(xa create linux-mig2.cfg); mig=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "A: xl create linux-mig2.cfg" "$out" "created domain $mig (linux-mig)"
wa wait_line "(d0) (d$cli) TESSERA-INIT-OK" 240 || finish
wa wait_line "(d0) (d$mig) TESSERA-INIT-OK" 240 || finish
netup() { echo 'insmod /lib/modules/$(uname -r)/xen-netfront.ko && sleep 2 && ip addr add '"$1"'/24 dev eth0 && ip link set eth0 up && echo up'; }
out=$(ca linux-mig 'dmesg -n 1' "$(netup 10.0.2.31)" \
  '(i=0; while true; do i=$((i+1)); echo $i; sleep 1; done) | nc -l -p 7000 >/dev/null 2>&1 & echo serving')
check "linux-mig: eth0 up, the counter served on port 7000" "$(out_of 2 "$out") $(out_of 3 "$out")" "up serving"
out=$(ca linux-cli 'dmesg -n 1' "$(netup 10.0.2.32)" \
  '(sleep 100000 | nc 10.0.2.31 7000 >/tmp/got 2>/tmp/nc.err; echo "nc ended $?" >>/tmp/got) & sleep 5; tail -n 1 /tmp/got')
c0=$(out_of 3 "$out")
[[ "$c0" =~ ^[0-9]+$ ]] && ok "linux-cli reads linux-mig's counter ($c0)" || { fail "linux-cli's counter: [$out]"; finish; }

# the builders' vifs; a stream cut after 3 MB: refused by B, which stays as it was
before_b=$(xb list | doms); free_b0=$(xb info | freemem)
XL_T=600 xb migrate-receive -a 10.0.2.22 -t 500 >"$T/recv1" 2>&1 &
rpid=$!
wb wait_re "^\(d0\) domain-builder: migration vif 0 on netback \(domain [0-9]+\): 10\.0\.2\.22, mac 02:00:0a:00:02:16$" 60
out=$(XL_T=600 xa migrate -a 10.0.2.21 -x 3000000 linux-mig 10.0.2.22)
check "A: a stream cut after 3000000 bytes fails, the source runs on" "$out" \
  "xl: migration of linux-mig failed: the stream broke at byte 3000000 before its END record; it runs on"
wait $rpid
out=$(cat "$T/recv1")
[[ "$out" =~ ^xl:\ migration\ from\ 10\.0\.2\.21\ refused:\ save\ image\ truncated\ in\ a\ record\ at\ byte\ [0-9]+\;\ nothing\ of\ it\ is\ left$ ]] &&
  ok "B refuses the cut stream: $out" || fail "B's answer to the cut stream: [$out]"
check "B: its domains as before" "$(xb list | doms)" "$before_b"
check "B: its free memory as before" "$(xb info | freemem)" "$free_b0"
out=$(ca linux-cli 'a=$(tail -n 1 /tmp/got); sleep 3; echo $a $(tail -n 1 /tmp/got)')
read -r a b <<<"$(out_of 1 "$out")"
[[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] && [ "$b" -gt "$a" ] && ok "linux-mig runs on in A ($a -> $b)" ||
  fail "after the cut stream: [$a] -> [$b]"

# hostile senders (linux-cli with busybox nc): a wrong greeting, a part
# no builder could hold; B refuses each and stays as it was
hostile() {
  XL_T=200 xb migrate-receive -t 120 >"$T/recv-h" 2>&1 &
  rpid=$!
  sleep 3
  ca linux-cli "$1 | nc 10.0.2.22 8002 >/dev/null; echo sent" >/dev/null
  wait $rpid
  cat "$T/recv-h"
}
check "B refuses a wrong greeting" "$(hostile 'echo junk')" \
  "xl: migration from 10.0.2.32 refused: it did not say 'TESSERA-MIGRATE 1'"
check "B refuses a part of 2^63-1 bytes" \
  "$(hostile "printf 'TESSERA-MIGRATE 1\\n\\377\\377\\377\\377\\377\\377\\377\\177'")" \
  "xl: migration from 10.0.2.32 refused: a part of 9223372036854775807 bytes cannot be taken; nothing of it is left"
check "B: its domains as before (hostile senders)" "$(xb list | doms)" "$before_b"
check "B: its free memory as before (hostile senders)" "$(xb info | freemem)" "$free_b0"

# the migration
XL_T=900 xb migrate-receive -t 800 >"$T/recv2" 2>&1 &
rpid=$!
sleep 2
out=$(XL_T=900 xa migrate linux-mig 10.0.2.22)
echo "# $out"
[[ "$out" =~ ^migrated\ domain\ $mig\ \(linux-mig\)\ to\ 10\.0\.2\.22\ as\ domain\ [0-9]+:\ pages\ per\ round\ [0-9\ ]+,\ then\ [0-9]+\ with\ the\ guest\ stopped\;\ [0-9]+\ bytes\;\ total\ [0-9.]+\ s,\ downtime\ [0-9.]+\ s\ \([0-9.]+\ s\ paused\)$ ]] &&
  ok "xl migrate linux-mig 10.0.2.22" || fail "xl migrate: $out"
rid=$(sed -n 's/^migrated domain [0-9]* (linux-mig) to 10.0.2.22 as domain \([0-9]*\):.*/\1/p' <<<"$out")
wait $rpid
out=$(cat "$T/recv2")
echo "# B: $out"
[[ "$out" =~ ^received\ domain\ linux-mig\ from\ 10\.0\.2\.21\ as\ domain\ $rid:\ [0-9]+\ parts,\ [0-9]+\ bytes$ ]] &&
  ok "B: received linux-mig as domain $rid" || fail "B's answer: [$out]"
check "B: xl list shows linux-mig as domain $rid" "$(xb list | doms | tr ' ' '\n' | grep '^linux-mig/')" \
  "linux-mig/$rid"
check "A: linux-mig is gone" "$(xa list | doms | tr ' ' '\n' | grep -c '^linux-mig/')" "0"
free_a1=$(xa info | freemem)
check "A: free memory back to its value before linux-mig ($free_a0 MiB)" "$free_a1" "$free_a0"
out=$(cb linux-mig 'echo alive on B')
check "B: linux-mig's console answers" "$(out_of 1 "$out")" "alive on B"

# the client's connection survived: its counter goes on, no gap, no reset
out=$(ca linux-cli 'a=$(tail -n 1 /tmp/got); sleep 8; echo $a $(tail -n 1 /tmp/got)' \
  'awk "\$1 != NR { print NR \": \" \$0; exit }" /tmp/got; echo checked $(wc -l </tmp/got)' 'cat /tmp/nc.err')
echo "$out" | sed 's/^/# /'
read -r a b <<<"$(out_of 1 "$out")"
[[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] && [ "$b" -gt "$a" ] && ok "the counter goes on over the link ($a -> $b)" ||
  fail "the client's counter after the migration: [$a] -> [$b]"
n=$(out_of 2 "$out")
[[ "$n" =~ ^checked\ [0-9]+$ ]] && ok "linux-cli's lines are 1..N with no gap or reset ($n)" ||
  fail "the client's counter has a gap or reset: [$n]"
wa no_oops "A: no oops"
wb no_oops "B: no oops"
finish

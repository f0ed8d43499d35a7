#!/usr/bin/env bash
# Two Linux domUs on netback's virtual firewall-router (issue 15): the
# xenstore domain, the netback driver domain (servers/netback in the service
# runtime), two Debian kernels whose vif = [ ... ] the builder writes to
# xenstore as libxl does; each guest loads the unmodified xen-netfront,
# eth0 comes up with its address; ping both ways; a 4 MiB TCP transfer
# with its MD5 checked; a VFR rule installed at netback's start (TCP to
# port 5002 dropped) holds; then linux-net-a sends
# from an address it was not given (10.0.0.99): nothing comes back, and
# netback logs the spoofed frames it dropped and counted.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 63 63-linux-netback.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/netback"

BOOT_MODULES="$O/servers/netback:netback $D/netback-rules:netback-rules" boot boot.list 1024 xs.cfg netback.cfg linux-net-a.cfg linux-net-b.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
out=$(xl create netback.cfg); nb=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create netback.cfg" "$out" "created domain $nb (netback)"
wait_line "(d0) (d$nb) netback: serving /local/domain/$nb/backend/vif" 60 || finish
wait_line "(d0) (d$nb) added 0: ip4 proto=tcp dport=5002 drop" 5

out=$(xl create linux-net-a.cfg); a=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-net-a.cfg" "$out" "created domain $a (linux-net-a)"
out=$(xl create linux-net-b.cfg); b=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-net-b.cfg" "$out" "created domain $b (linux-net-b)"
wait_line "(d0) domain-builder: linux-net-a: vif 0 (00:16:3e:00:00:01, 10.0.0.1) on netback" 10
wait_line "(d0) domain-builder: linux-net-b: vif 0 (00:16:3e:00:00:02, 10.0.0.2) on netback" 10
wait_line "(d0) (d$a) TESSERA-INIT-OK" 120 || finish
wait_line "(d0) (d$b) TESSERA-INIT-OK" 120 || finish

out=$(con linux-net-a 'dmesg -n 1' 'insmod /lib/modules/$(uname -r)/xen-netfront.ko && echo loaded' \
  'ip addr add 10.0.0.1/24 dev eth0 && ip link set eth0 up && echo up' \
  'for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat /sys/class/net/eth0/operstate)" = up ] && break; sleep 1; done; cat /sys/class/net/eth0/operstate' \
  'cat /sys/class/net/eth0/address')
check "linux-net-a: xen-netfront loaded" "$(out_of 2 "$out")" "loaded"
check "linux-net-a: eth0 configured" "$(out_of 3 "$out")" "up"
check "linux-net-a: eth0 is up (connected to netback)" "$(out_of 4 "$out")" "up"
check "linux-net-a: eth0 has the MAC of its vif" "$(out_of 5 "$out")" "00:16:3e:00:00:01"
out=$(con linux-net-b 'dmesg -n 1' 'insmod /lib/modules/$(uname -r)/xen-netfront.ko && echo loaded' \
  'ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up && echo up' \
  'for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat /sys/class/net/eth0/operstate)" = up ] && break; sleep 1; done; cat /sys/class/net/eth0/operstate')
check "linux-net-b: xen-netfront loaded" "$(out_of 2 "$out")" "loaded"
check "linux-net-b: eth0 is up" "$(out_of 4 "$out")" "up"

out=$(con linux-net-a 'ping -c 3 -W 5 10.0.0.2 | grep -o "[0-9]* packets received"')
check "ping linux-net-a -> linux-net-b: 3 of 3" "$(out_of 1 "$out")" "3 packets received"
out=$(con linux-net-b 'ping -c 3 -W 5 10.0.0.1 | grep -o "[0-9]* packets received"')
check "ping linux-net-b -> linux-net-a: 3 of 3" "$(out_of 1 "$out")" "3 packets received"

# a TCP transfer of 4 MiB, checked end to end
out=$(con linux-net-b '(sleep 300 | nc -l -p 5001 > /tmp/r) >/dev/null 2>&1 & echo listening')
check "linux-net-b: nc listens on 5001" "$(out_of 1 "$out")" "listening"
out=$(con linux-net-a 'dd if=/dev/urandom of=/tmp/f bs=64k count=64 2>/dev/null; md5sum /tmp/f | cut -d" " -f1' \
  'nc 10.0.0.2 5001 < /tmp/f && echo sent')
sum=$(out_of 1 "$out")
check "linux-net-a: 4 MiB sent over TCP" "$(out_of 2 "$out")" "sent"
out=$(con linux-net-b 'i=0; while [ $i -lt 60 ] && [ "$(wc -c < /tmp/r)" != 4194304 ]; do sleep 1; i=$((i+1)); done; wc -c < /tmp/r' \
  'md5sum /tmp/r | cut -d" " -f1')
check "linux-net-b: 4194304 bytes received" "$(out_of 1 "$out")" "4194304"
[ -n "$sum" ] && check "linux-net-b: the same MD5 as sent" "$(out_of 2 "$out")" "$sum" || fail "no MD5 from linux-net-a"

# the VFR rule installed at netback's start (netback-rules): TCP to 5002 dropped
out=$(con linux-net-b '(sleep 300 | nc -l -p 5002 > /tmp/r2) >/dev/null 2>&1 & echo listening')
out=$(con linux-net-a 'echo x | nc -w 3 10.0.0.2 5002 >/dev/null 2>&1; echo rc=$?')
check "linux-net-a: TCP to port 5002 is dropped by the rule (connect times out)" "$(out_of 1 "$out")" "rc=1"

# spoofing: an address linux-net-a was not given
out=$(con linux-net-a 'ip addr add 10.0.0.99/24 dev eth0 && echo added' \
  'ip neigh flush dev eth0 >/dev/null 2>&1; ping -c 2 -W 2 -I 10.0.0.99 10.0.0.2 | grep -o "[0-9]* packets received"')
check "linux-net-a: 10.0.0.99 added in the guest" "$(out_of 1 "$out")" "added"
check "ping from the spoofed 10.0.0.99: nothing comes back" "$(out_of 2 "$out")" "0 packets received"
wait_re "^\(d0\) \(d$nb\) netback: vif$a\.0: [0-9]+ spoofed frames? dropped$" 20
no_oops "no Linux oops, BUG or warning on either guest"
finish

#!/usr/bin/env bash
# netback's NIC (issue 15): the builder starts the xenstore domain and the
# netback service domain given the virtio-net function 00:05.0 under QEMU's
# Intel IOMMU (pci = [ ... ], disable-legacy, iommu_platform; QEMU user
# networking with restrict=on: nothing leaves the machine, the host reaches
# the guest only through a forwarded port on 127.0.0.1).  A Linux domU on
# the VFR (10.0.2.15, the address QEMU forwards to) serves a page with
# busybox httpd; the host fetches it (and 1 MiB, MD5 checked) through the
# forwarded port: frames go
# QEMU -> virtio-net -> netback's driver -> VFR -> netfront and back.
# On the same VFR (issue 15's acceptance in one machine): a second Linux
# domU, linux-web-b (10.0.2.16), and the lwIP guest lwip-web (10.0.2.17,
# its page forwarded on a second port): ping both ways between the Linux
# guests, 4 MiB over TCP with its MD5, the host fetching lwip-web's page,
# linux-web-b's frames from an address it was not given dropped and counted
# exactly, and a rule added and deleted while a TCP stream flows (the stream
# ends complete and in order; the rule's count is exactly the pings it ate).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 64 64-linux-netback-nic.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/netback"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port); lport=$(free_port)
while [ "$lport" = "$port" ]; do lport=$(free_port); done
need "$O/guests/lwip.elf"

BOOT_MODULES="$O/servers/netback:netback $O/guests/lwip.elf:lwip.elf" \
BOOT_QEMU_ARGS="-device intel-iommu,intremap=on
  -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:80,hostfwd=tcp:127.0.0.1:$lport-10.0.2.17:80
  -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0" \
  boot netback.list 1024 xs.cfg netback-nic.cfg linux-web.cfg linux-web-b.cfg lwip-web.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(netback\)$" 60 || finish
nb=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(netback\)$/\1/p' | tail -n 1)
wait_re "^\(d0\) \(d$nb\) netback: nic 0000:00:05\.0: 52:54:00:12:34:56, [0-9]+ vectors?$" 60 || finish
wait_line "(d0) (d$nb) netback: serving /local/domain/$nb/backend/vif" 30 || finish

out=$(xl create linux-web.cfg); id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-web.cfg" "$out" "created domain $id (linux-web)"
wait_line "(d0) domain-builder: linux-web: vif 0 (00:16:3e:00:00:0f, 10.0.2.15) on netback" 10
wait_line "(d0) (d$id) TESSERA-INIT-OK" 120 || finish
out=$(con linux-web 'dmesg -n 1' 'insmod /lib/modules/$(uname -r)/xen-netfront.ko && echo loaded' \
  'ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2 && echo up' \
  'mkdir -p /www && echo TESSERA-WEB-OK > /www/index.html && httpd -p 80 -h /www && echo serving' \
  'dd if=/dev/urandom of=/www/big bs=64k count=16 2>/dev/null; md5sum /www/big | cut -d" " -f1')
check "linux-web: xen-netfront loaded" "$(out_of 2 "$out")" "loaded"
check "linux-web: eth0 up, default route via QEMU's gateway" "$(out_of 3 "$out")" "up"
check "linux-web: busybox httpd on port 80" "$(out_of 4 "$out")" "serving"

page=$(python3 - "$port" <<'PY'
import sys, time, urllib.request
end = time.time() + 60
while time.time() < end:
    try:
        print(urllib.request.urlopen("http://127.0.0.1:%s/index.html" % sys.argv[1], timeout=10).read().decode().strip())
        break
    except Exception:
        time.sleep(1)
PY
)
check "the host fetches the guest's page through 127.0.0.1:$port" "$page" "TESSERA-WEB-OK"
# 1 MiB: the guest's TCP segments leave netfront as GSO frames with blank
# checksums; netback cuts them and fills the checksums for the NIC
sum=$(python3 - "$port" <<'PY'
import hashlib, sys, urllib.request
try:
    print(hashlib.md5(urllib.request.urlopen("http://127.0.0.1:%s/big" % sys.argv[1], timeout=60).read()).hexdigest())
except Exception as e:
    print("error: %s" % e)
PY
)
want=$(out_of 5 "$out")
[ -n "$want" ] && check "the host fetches 1 MiB from the guest: the same MD5" "$sum" "$want" || fail "no MD5 from the guest"

# --- the second Linux guest and the lwIP guest on the same VFR ---
out=$(xl create lwip-web.cfg); lw=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create lwip-web.cfg" "$out" "created domain $lw (lwip-web)"
out=$(xl create linux-web-b.cfg); b=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-web-b.cfg" "$out" "created domain $b (linux-web-b)"
wait_line "(d0) (d$lw) lwip: serving TCP echo on port 7 and HTTP on port 80" 120
wait_line "(d0) (d$b) TESSERA-INIT-OK" 120 || finish
out=$(con linux-web-b 'dmesg -n 1' 'insmod /lib/modules/$(uname -r)/xen-netfront.ko && echo loaded' \
  'ip addr add 10.0.2.16/24 dev eth0 && ip link set eth0 up && echo up' \
  'for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat /sys/class/net/eth0/operstate)" = up ] && break; sleep 1; done; cat /sys/class/net/eth0/operstate')
check "linux-web-b: xen-netfront loaded" "$(out_of 2 "$out")" "loaded"
check "linux-web-b: eth0 is up" "$(out_of 4 "$out")" "up"
out=$(con linux-web-b 'ping -c 3 -W 5 10.0.2.15 | grep -o "[0-9]* packets received"')
check "ping linux-web-b -> linux-web: 3 of 3" "$(out_of 1 "$out")" "3 packets received"
out=$(con linux-web 'ping -c 3 -W 5 10.0.2.16 | grep -o "[0-9]* packets received"')
check "ping linux-web -> linux-web-b: 3 of 3" "$(out_of 1 "$out")" "3 packets received"

lpage=$(python3 - "$lport" <<'PY'
import sys, time, urllib.request
end = time.time() + 60
while time.time() < end:
    try:
        print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10).read().decode().strip())
        break
    except Exception:
        time.sleep(1)
PY
)
check "the host fetches lwip-web's page through 127.0.0.1:$lport" "$lpage" \
  "Hello from Tessera: lwIP guest lwip-web, domain $lw, address 10.0.2.17"
out=$(con linux-web 'wget -q -O - http://10.0.2.17/')
check "linux-web fetches lwip-web's page through the VFR" "$(out_of 1 "$out")" \
  "Hello from Tessera: lwIP guest lwip-web, domain $lw, address 10.0.2.17"

# 4 MiB over TCP between the Linux guests, checked end to end
out=$(con linux-web '(sleep 300 | nc -l -p 5001 > /tmp/r) >/dev/null 2>&1 & echo listening')
check "linux-web: nc listens on 5001" "$(out_of 1 "$out")" "listening"
out=$(con linux-web-b 'dd if=/dev/urandom of=/tmp/f bs=64k count=64 2>/dev/null; md5sum /tmp/f | cut -d" " -f1' \
  'nc 10.0.2.15 5001 < /tmp/f && echo sent')
sum=$(out_of 1 "$out")
check "linux-web-b: 4 MiB sent over TCP" "$(out_of 2 "$out")" "sent"
out=$(con linux-web 'i=0; while [ $i -lt 60 ] && [ "$(wc -c < /tmp/r)" != 4194304 ]; do sleep 1; i=$((i+1)); done; wc -c < /tmp/r' \
  'md5sum /tmp/r | cut -d" " -f1')
check "linux-web: 4194304 bytes received" "$(out_of 1 "$out")" "4194304"
[ -n "$sum" ] && check "linux-web: the same MD5 as sent" "$(out_of 2 "$out")" "$sum" || fail "no MD5 from linux-web-b"

# netback's counter WORD for vif DOMID.0 (its `counters` line)
ctr() { con netback '!counters' 2>&1 | sed -n 's/^1: //p' | sed -nE "s/^vif$1\.0 .* $2 ([0-9]+)( .*)?$/\1/p"; }

# spoofing: linux-web-b pings from 10.0.2.99, an address its vif was not
# given; its neighbour entry for linux-web is fixed, so exactly the three
# echo requests carry the spoofed source (no ARP from it)
s0=$(ctr "$b" spoof)
out=$(con linux-web-b 'arp -s 10.0.2.15 00:16:3e:00:00:0f && ip addr add 10.0.2.99/24 dev eth0 && echo added' \
  'ping -c 3 -W 2 -I 10.0.2.99 10.0.2.15 | grep -o "[0-9]* packets received"' \
  'ip addr del 10.0.2.99/24 dev eth0 && echo removed')
check "linux-web-b: 10.0.2.99 added in the guest" "$(out_of 1 "$out")" "added"
check "ping from the spoofed 10.0.2.99: nothing comes back" "$(out_of 2 "$out")" "0 packets received"
s1=$(ctr "$b" spoof)
[ -n "$s0" ] && [ -n "$s1" ] && check "netback counted exactly the 3 spoofed frames on vif$b.0" "$((s1 - s0))" 3 ||
  fail "no spoof counter for vif$b.0 ('$s0', '$s1')"
wait_re "^\(d0\) \(d$nb\) netback: vif$b\.0: [0-9]+ spoofed frames? dropped$" 20

# a rule added and deleted while a TCP stream flows from linux-web-b to linux-web
say() { con netback "!$1" 2>&1 | sed -n 's/^1: //p' | grep -m1 -- "^$2"; }
out=$(con linux-web '(sleep 900 | nc -l -p 5003 > /tmp/s) >/dev/null 2>&1 & echo listening')
check "linux-web: nc listens on 5003" "$(out_of 1 "$out")" "listening"
out=$(con linux-web-b '(i=0; while [ ! -f /tmp/stop ]; do echo "line $i"; i=$((i+1)); usleep 20000; done | nc 10.0.2.15 5003; echo "rc=$?" > /tmp/nc.rc) >/dev/null 2>&1 & echo streaming')
check "linux-web-b: streaming to linux-web" "$(out_of 1 "$out")" "streaming"
lines() { out_of 1 "$(con linux-web 'wc -l < /tmp/s')"; }
grows() { # grows WHAT: the received line count grows within 60 s
  local l0 l end=$(( $(date +%s) + 60 ))
  l0=$(lines)
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep 2; l=$(lines)
    if [ -n "$l" ] && [ -n "$l0" ] && [ "$l" -gt "$((l0 + 5))" ]; then ok "$1 ($l0 -> $l lines)"; return 0; fi
  done
  fail "$1 (stuck at $(lines) lines)"; return 1
}
grows "the stream flows"
check "add: ICMP dropped while the stream flows" "$(say 'add ip4 proto=icmp drop' added)" "added 0: ip4 proto=icmp drop"
out=$(con linux-web-b 'ping -c 3 -W 2 10.0.2.15 | grep -o "[0-9]* packets received"')
check "ping linux-web-b -> linux-web under the rule: 0 of 3" "$(out_of 1 "$out")" "0 packets received"
grows "the stream flows under the rule"
# an echo request is 98 bytes on the wire (14 + 20 + 8 + 56)
check "del: the rule counted exactly the 3 echo requests" "$(say 'del 0' deleted)" \
  "deleted 0: ip4 proto=icmp drop  [3 pkts 294 bytes]"
out=$(con linux-web-b 'ping -c 3 -W 5 10.0.2.15 | grep -o "[0-9]* packets received"')
check "ping linux-web-b -> linux-web after the delete: 3 of 3" "$(out_of 1 "$out")" "3 packets received"
grows "the stream flows after the delete"
con linux-web-b 'touch /tmp/stop' >/dev/null
out=$(con linux-web-b 'i=0; while [ $i -lt 60 ] && [ ! -f /tmp/nc.rc ]; do sleep 1; i=$((i+1)); done; cat /tmp/nc.rc')
check "linux-web-b: the stream's nc ended without an error" "$(out_of 1 "$out")" "rc=0"
out=$(con linux-web 'sleep 3; awk '"'"'$1 != "line" || $2 != NR - 1 { bad++ } END { print NR, bad + 0 }'"'"' /tmp/s')
n=$(out_of 1 "$out" | cut -d' ' -f1)
check "linux-web: every streamed line arrived once, in order (of $n)" "$(out_of 1 "$out" | cut -d' ' -f2)" 0
slog | grep -qE "runtime: program killed|PANIC|DMA fault" && fail "a crash or a DMA fault in the log" || ok "no crash, no DMA fault"
no_oops "no Linux oops, BUG or warning"
finish

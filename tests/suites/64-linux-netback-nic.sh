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
set -u
. "$(dirname "$0")/lib.sh"
suite_init 64 64-linux-netback-nic.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/netback"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

BOOT_MODULES="$O/servers/netback:netback" \
BOOT_QEMU_ARGS="-device intel-iommu,intremap=on
  -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:80
  -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0" \
  boot netback.list 1024 xs.cfg netback-nic.cfg linux-web.cfg
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
slog | grep -qE "runtime: program killed|PANIC|DMA fault" && fail "a crash or a DMA fault in the log" || ok "no crash, no DMA fault"
no_oops "no Linux oops, BUG or warning"
finish

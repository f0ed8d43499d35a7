#!/usr/bin/env bash
# make bench (via tests/bench.sh): the network benchmarks (issue 15).  Two
# Linux guests (Debian's cloud kernel, the test initramfs with
# bench/linux/netbench.c) exchange traffic:
#   - Tessera: both domUs on netback's VFR (the builder starts the xenstore
#     domain, netback with the virtio-net NIC and the guests),
#   - Debian's Xen 4.17: two domUs created with xl in a Debian dom0 whose
#     Linux netback bridges their vifs and the NIC (bench/xen-net, on top of
#     bench/xen-domu's dom0),
#   - native: the same kernel booted directly twice, the two machines'
#     virtio-net NICs joined by QEMU's socket network on 127.0.0.1,
# measuring guest-to-guest TCP throughput, 1-byte TCP round trips, 18-byte
# UDP datagrams per second, and TCP throughput from the client guest to the
# host (QEMU user network, restrict=on, through a port forwarded on
# 127.0.0.1).  Same QEMU (-machine q35 -accel tcg -cpu max,la57=off, one
# vCPU), once by wall clock and once with -icount shift=0,sleep=off; every
# rate is measured with the guest's clock.  Writes a Markdown section to
# stdout; logs go to $O/bench/net/.
# BENCH_NET_SECS: seconds per measurement (default 5); BENCH_MODES="wall
# icount" picks lenses; BENCH_ONLY="tessera xen native" picks platforms (the
# report uses earlier logs for the others); BENCH_TIMEOUT_SCALE multiplies
# the time limits.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export TESSERA_ACCEL=tcg
out="$O/bench/net"
mkdir -p "$out"
L="$O/linux"
secs=${BENCH_NET_SECS:-5}
cpu=(-machine q35 -accel tcg -cpu max,la57=off -smp 1 -display none -no-reboot -monitor none)
icount=(-icount shift=0,sleep=off)
xengz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
virtio="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net"
nb=bench-netbench
a_steps="$nb:up@10.0.2.15+$nb:serve"
b_steps="$nb:up@10.0.2.16+$nb:client@10.0.2.15@$secs+$nb:hostsend@$secs+poweroff"

echo "## Network: Tessera vs Xen 4.17 vs native"
echo
if ! bash guests/linux/fetch.sh >"$out/fetch.log" 2>&1 || ! bash guests/linux/initramfs.sh >"$out/initramfs.log" 2>&1; then
  echo "Could not fetch the kernel or build the initramfs (see $out/)."
  exit 1
fi
release=$(cat "$L/release")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# cpio SPEC OUT: a gzip'ed cpio from guests/linux/mkcpio.py's spec (Linux
# unpacks concatenated archives in order, a later file replacing an earlier)
cpio() { python3 guests/linux/mkcpio.py <"$1" | gzip -6 -n >"$2"; }

native_initramfs() {   # the test initramfs plus the virtio-net modules
  DST="$O/linux-native" MODULES="$virtio" bash guests/linux/fetch.sh >"$out/fetch-native.log" 2>&1 || return 1
  [ "$(cat "$O/linux-native/release")" = "$release" ] || return 1
  {
    echo "dir /lib/modules/$release 755"
    for m in $virtio; do echo "file /lib/modules/$release/$m.ko $O/linux-native/modules/$m.ko 644"; done
    echo "file /etc/netbench.modules $out/native.modules 644"
  } >"$out/native.spec"
  echo "$virtio" >"$out/native.modules"
  cpio "$out/native.spec" "$out/native.cpio.gz" && cat "$L/initramfs.gz" "$out/native.cpio.gz" >"$out/native-initramfs.gz"
}

xen_initramfs() {   # bench/xen-domu's dom0, its /init replaced, netback, bridge, virtio-net, two domUs
  local mods="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback llc stp bridge $virtio" l
  FLAVOUR=amd64 DST="$O/linux-dom0" MODULES="$mods" bash guests/linux/fetch.sh >"$out/fetch-dom0.log" 2>&1 || return 1
  bash bench/xen-domu/dom0-initramfs.sh "$b_steps" >"$out/dom0-initramfs.log" 2>&1 || return 1
  echo "xen-netback llc stp bridge $virtio" >"$out/net.modules"
  echo "$a_steps" >"$out/steps-a"; echo "$b_steps" >"$out/steps-b"
  for g in a b; do
    local n=15; [ $g = b ] && n=16
    printf 'name = "net-%s"\nkernel = "/domu/vmlinuz"\nramdisk = "/domu/initramfs.gz"\nmemory = 256\nvcpus = 1\non_poweroff = "destroy"\nvif = [ "mac=00:16:3e:00:00:%s, bridge=br0, script=vif-br" ]\n' \
      $g $n >"$out/net-$g.cfg"
  done
  {
    echo "dir /etc/xen 755"; echo "dir /etc/xen/scripts 755"; echo "dir /usr/bin 755"
    echo "file /init bench/xen-net/dom0-init 755"
    echo "file /etc/xen/scripts/vif-br bench/xen-net/vif-br 755"
    echo "file /etc/net.modules $out/net.modules 644"
    for m in xen-netback llc stp bridge $virtio; do echo "file /lib/modules/$m.ko $O/linux-dom0/modules/$m.ko 644"; done
    echo "file /usr/bin/xenstore-write /usr/bin/xenstore-write 755"
    for l in $(ldd /usr/bin/xenstore-write | awk '/=>/ {print $3}' | grep '^/' | sort -u); do
      echo "file $l $(readlink -f "$l") 755"
    done
    for g in a b; do
      echo "file /domu/net-$g.cfg $out/net-$g.cfg 644"; echo "file /domu/steps-$g $out/steps-$g 644"
    done
  } >"$out/dom0.spec"
  cpio "$out/dom0.spec" "$out/dom0-net.cpio.gz" &&
    cat "$O/linux-dom0/initramfs.gz" "$out/dom0-net.cpio.gz" >"$out/dom0-initramfs.gz"
}

# hostread LOG PORT: once LOG says the client guest listens for the host,
# reads everything it sends through the forwarded port (then closes)
hostread() {
  python3 - "$1" "$2" <<'PY' &
import socket, sys, time
log, port = sys.argv[1], int(sys.argv[2])
end = time.time() + 3600
while time.time() < end:
    try:
        if b"netbench: hostsend listening" in open(log, "rb").read():
            break
    except OSError:
        pass
    time.sleep(0.5)
else:
    sys.exit(0)
s = socket.create_connection(("127.0.0.1", port), timeout=600)
n = 0
while True:
    d = s.recv(1 << 16)
    if not d:
        break
    n += len(d)
s.close()
print("host read %d bytes" % n)
PY
}

# wait_done LOG TIMEOUT PIDS...: until the client's last result (or a
# failure), then ends the QEMUs
wait_done() {
  local log=$1 timeout=$(( $2 * ${BENCH_TIMEOUT_SCALE:-1} )) p; shift 2
  local end=$(( $(date +%s) + timeout ))
  while :; do
    if grep -aqE "netbench: test=to_host|netbench: error|TESSERA-INIT-DONE|tessera: PANIC|Kernel panic|Panic on CPU" "$log"; then
      sleep 2; break
    fi
    if [ "$(date +%s)" -ge $end ]; then echo "bench/net.sh: timeout after ${timeout}s" >>"$log"; break; fi
    kill -0 "$1" 2>/dev/null || break
    sleep 1
  done
  for p in "$@"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}

tessera() {   # MODE [extra qemu args]
  local m=$1; shift
  [ -s "$O/tessera.elf" ] && [ -s "$O/servers/netback" ] || return
  local b="$out/tessera-cfg" port log="$out/tessera-$m.log"
  mkdir -p "$b"
  printf 'xs.cfg\nnetback.cfg\nnet-a.cfg\nnet-b.cfg\n' >"$b/boot.list"
  printf 'name = "netback"\nkernel = "runtime.elf"\nmemory = 32\ncapabilities = [ "IO" ]\npci = [ "0000:00:05.0" ]\nextra = "name=netback"\nmodules = [ "netback nic=0000:00:05.0" ]\n' \
    >"$b/netback.cfg"
  for g in a b; do
    local n=15 s=$a_steps; [ $g = b ] && n=16 s=$b_steps
    printf 'name = "net-%s"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 256\nextra = "console=hvc0 tessera_out=console tessera_steps=%s"\nvif = [ "mac=00:16:3e:00:00:%s, ip=10.0.2.%s, backend=netback" ]\n' \
      $g "$s" $n $n >"$b/net-$g.cfg"
  done
  local mods="$O/servers/runtime.elf,$O/servers/domain-builder --boot boot.list,$b/boot.list boot.list"
  mods+=",tests/linux-domu/xs.cfg xs.cfg,$b/netback.cfg netback.cfg,$b/net-a.cfg net-a.cfg,$b/net-b.cfg net-b.cfg"
  mods+=",$O/servers/runtime.elf runtime.elf,$O/servers/xenstored xenstored,$O/servers/netback netback"
  mods+=",$L/vmlinuz vmlinuz,$L/initramfs.gz initrd.gz"
  port=$(free_port); : >"$log"
  hostread "$log" "$port" >"$out/tessera-$m.host"; local h=$!
  qemu-system-x86_64 "${cpu[@]}" -m 1024 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -device intel-iommu,intremap=on -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.16:5201" \
    -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0 \
    -kernel "$O/tessera.elf" -append "dom0_mem=192" -initrd "$mods" "$@" -serial "file:$log" &
  wait_done "$log" 1500 $! $h
}
xen() {   # Debian's toolstack and Linux netback in a Debian dom0
  local m=$1; shift
  [ -r "$xengz" ] && [ -s "$out/dom0-initramfs.gz" ] || return
  local port log="$out/xen-$m.log"
  zcat "$xengz" >"$out/xen"
  port=$(free_port); : >"$log"
  hostread "$log" "$port" >"$out/xen-$m.host"; local h=$!
  qemu-system-x86_64 "${cpu[@]}" -m 1536 -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.16:5201" \
    -device virtio-net-pci,netdev=n0,addr=05.0 -kernel "$out/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M smap=0 noreboot" \
    -initrd "$O/linux-dom0/vmlinuz console=hvc0 earlyprintk=xen,$out/dom0-initramfs.gz" "$@" -serial "file:$log" &
  wait_done "$log" 2400 $! $h
}
native() {   # two machines, their first NICs joined by a socket on 127.0.0.1; the client's second NIC to the host
  local m=$1; shift
  [ -s "$out/native-initramfs.gz" ] || return
  local sport port log="$out/native-$m.log" loga="$out/native-$m-server.log"
  sport=$(free_port); port=$(free_port); : >"$log"; : >"$loga"
  qemu-system-x86_64 "${cpu[@]}" -m 256 -netdev "socket,id=s0,listen=127.0.0.1:$sport" \
    -device virtio-net-pci,netdev=s0,addr=04.0,mac=52:54:00:00:00:15 -kernel "$L/vmlinuz" \
    -initrd "$out/native-initramfs.gz" \
    -append "console=ttyS0 no_timer_check tessera_out=console tessera_steps=$nb:up@10.0.3.15+$nb:serve" "$@" -serial "file:$loga" &
  local qa=$!
  sleep 2
  hostread "$log" "$port" >"$out/native-$m.host"; local h=$!
  qemu-system-x86_64 "${cpu[@]}" -m 256 -netdev "socket,id=s0,connect=127.0.0.1:$sport" \
    -device virtio-net-pci,netdev=s0,addr=04.0,mac=52:54:00:00:00:16 \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.16:5201" \
    -device virtio-net-pci,netdev=n0,addr=05.0 -kernel "$L/vmlinuz" -initrd "$out/native-initramfs.gz" \
    -append "console=ttyS0 no_timer_check tessera_out=console tessera_steps=$nb:up@10.0.3.16@eth0+$nb:up@10.0.2.16@eth1+$nb:client@10.0.3.15@$secs+$nb:hostsend@$secs+poweroff" \
    "$@" -serial "file:$log" &
  wait_done "$log" 900 $! $qa $h
}

want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
mode() { [[ " ${BENCH_MODES:-wall icount} " == *" $1 "* ]]; }
want native && { native_initramfs || echo "No native column: the virtio-net modules (see $out/fetch-native.log)."; }
want xen && [ -r "$xengz" ] && { xen_initramfs || echo "No Xen column: the dom0 initramfs (see $out/)."; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for p in native xen tessera; do
  want $p || continue
  mode wall && $p wall
  # native has two QEMU machines: under -icount each one's clock runs on its
  # own instructions, so a machine waiting for the other sees its time fly
  # (retransmissions, timeouts): no native column with -icount
  [ $p = native ] && continue
  mode icount && $p icount "${icount[@]}"
done
echo "$load0 -> $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/loadavg"

/usr/bin/python3 - "$out" "$(cat "$L/version")" "$secs" "$(qemu-system-x86_64 --version | head -n 1)" "$(cat "$out/loadavg")" <<'PY'
import os, re, sys
out, version, secs, qemu, load = sys.argv[1:6]
plats = [("tessera", "Tessera"), ("xen", "Xen 4.17"), ("native", "native")]
tests = [("tcp_stream", "guest-to-guest TCP (Mbit/s)", True), ("tcp_rr", "1-byte TCP round trip (us)", False),
         ("udp_pps", "18-byte UDP to a guest (pkt/s received)", True), ("to_host", "guest-to-host TCP (Mbit/s)", True)]
rx = re.compile(r"netbench: test=(\w+) .*rate=([0-9.]+) ")
def load_log(p, mode):
    r, path = {}, os.path.join(out, "%s-%s.log" % (p, mode))
    if os.path.exists(path):
        for line in open(path, errors="replace"):
            m = rx.search(line)
            if m:
                r[m.group(1)] = float(m.group(2))
    return r
print("Debian's cloud kernel %s in both guests; %s s per measurement; %s; host load %s." % (version, secs, qemu, load))
print("Tessera: two domUs through netback's VFR; Xen: two domUs through Linux netback and a bridge in dom0;")
print("native: two QEMU machines, virtio-net joined by a socket on 127.0.0.1 (guest-to-host: the client's")
print("second virtio-net NIC). Guest-to-host goes through QEMU's user network in all three. Ratios: Tessera / Xen")
print("(for the round trip, lower is better: Xen / Tessera is shown as the speed-up). No native column under")
print("-icount: its two machines' instruction clocks run apart while one waits for the other.")
print()
for mode, title in (("wall", "wall clock"), ("icount", "-icount shift=0,sleep=off (guest time = instructions)")):
    res = {p: load_log(p, mode) for p, _ in plats}
    if not any(res.values()):
        continue
    print("### %s" % title)
    print()
    print("| benchmark | Tessera | Xen 4.17 | native | Tessera vs Xen |")
    print("|---|---|---|---|---|")
    for t, name, higher in tests:
        cells = []
        for p, _ in plats:
            v = res[p].get(t)
            cells.append("%.1f" % v if v is not None else "-")
        tv, xv = res["tessera"].get(t), res["xen"].get(t)
        ratio = "-"
        if tv and xv:
            ratio = "%.2fx" % (tv / xv if higher else xv / tv)
        print("| %s | %s | %s |" % (name, " | ".join(cells), ratio))
    print()
PY

#!/usr/bin/env bash
# Idle wake-ups (issue 18): boots the builder with the xenstore domain and
# IDLE_GUESTS (default 2) idle Linux domUs (Debian's cloud kernel, /init
# sleeping), with a real COM2 UART (QEMU's second -serial, nothing attached),
# waits until the boot is done and the guests are idle, then counts for
# IDLE_WINDOW seconds (default 20) how often the hypervisor loads a vCPU
# (context switches in: arch_load_vcpu) and how often the idle pCPU wakes from
# hlt, from QEMU's trace of exactly those two instructions (-d exec,nochain
# -dfilter, switched on through the monitor for the window).  Wall clock, no
# -icount: timers run at their real rate.  Prints one Markdown table row:
#   | build | guests | window s | switches/s | hlt wake-ups/s |
# usage: bench/idle.sh [LABEL]   (O= picks the build, default build)
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
label=${1:-$O}
n=${IDLE_GUESTS:-2}
win=${IDLE_WINDOW:-20}
L=$O/linux
t=$(mktemp -d /tmp/tessera-idle.XXXXXX)
q=
trap '[ -n "$q" ] && kill $q 2>/dev/null; rm -rf "$t"' EXIT
for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/servers/xenstored" \
         "$L/vmlinuz" "$L/initramfs.gz"; do
  [ -s "$f" ] || { echo "bench/idle.sh: $f missing (make; guests/linux/fetch.sh)" >&2; exit 1; }
done
load=$(nm "$O/tessera.elf" | awk '$3 == "arch_load_vcpu" { print "0x" $1 }')
wake=$(objdump -d --no-show-raw-insn "$O/tessera.elf" | awk '/<idle>:/ { f = 1 } f && /\thlt/ { h = 1; next }
       h { sub(":", "", $1); print "0x" $1; exit }')
[ -n "$load" ] && [ -n "$wake" ] || { echo "bench/idle.sh: symbols not found in $O/tessera.elf" >&2; exit 1; }

list=xs.cfg
for i in $(seq "$n"); do
  printf 'name = "idle%d"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 128\nextra = "console=hvc0 tessera_steps=uname+sleep:100000"\n' \
    "$i" >"$t/idle$i.cfg"
  list="$list idle$i.cfg"
done
printf '%s\n' $list >"$t/boot.list"
mods="$O/servers/runtime.elf,$O/servers/domain-builder --boot boot.list,$t/boot.list boot.list"
mods+=",tests/linux-domu/xs.cfg xs.cfg,$O/servers/runtime.elf runtime.elf,$O/servers/xenstored xenstored"
mods+=",$L/vmlinuz vmlinuz,$L/initramfs.gz initrd.gz"
for i in $(seq "$n"); do mods+=",$t/idle$i.cfg idle$i.cfg"; done
: >"$t/serial"
qemu-system-x86_64 -machine q35 -accel tcg -cpu max,la57=off -smp 1 -m 1024 -display none -no-reboot \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$O/tessera.elf" -append "dom0_mem=192" \
  -initrd "$mods" -serial "file:$t/serial" -serial null -monitor "unix:$t/mon,server,nowait" \
  -d nochain -dfilter "$load..$load,$wake..$wake" -D "$t/trace" &
q=$!
mon() {
  python3 - "$t/mon" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1]); time.sleep(0.2); s.recv(65536)
s.send(sys.argv[2].encode() + b"\n"); time.sleep(0.2)
PY
}
end=$(( $(date +%s) + ${IDLE_TIMEOUT:-1800} ))
# every guest's /init has started its sleep
until [ "$(grep -ac 'uname-v' "$t/serial")" -ge "$n" ] && grep -aq "boot configuration done" "$t/serial"; do
  kill -0 $q 2>/dev/null && [ "$(date +%s)" -lt $end ] || { echo "bench/idle.sh: boot did not finish" >&2; exit 1; }
  sleep 1
done
sleep "${IDLE_SETTLE:-10}"
mon "log exec,nochain"
t0=$(date +%s.%N)
sleep "$win"
mon "log nochain"
t1=$(date +%s.%N)
sw=$(grep -c "/${load#0x}/" "$t/trace")
wk=$(grep -c "/${wake#0x}/" "$t/trace")
python3 -c "
w = $t1 - $t0
print('| %s | %d | %.1f | %.1f | %.1f |' % ('$label', $n, w, $sw / w, $wk / w))"

#!/usr/bin/env bash
# Where the hypervisor's instructions go while a Linux domU runs one benchmark
# (issue 18): the domU of bench/linux.sh (builder + xenstore domain) runs
# /bench/BENCH ITERS under -icount; once it is in its loop, QEMU's trace of
# every executed block of the hypervisor and of the benchmark's run() (-d
# in_asm,exec,nochain -dfilter) is switched on through the monitor for WINDOW
# host seconds and analysed by bench/profile.py: instructions per visit to the
# hypervisor, by path (the syscall bounce, each hypercall, the #PF bounce, ptwr
# emulation, interrupts) and per loop iteration of the benchmark.  ITERS must
# keep the benchmark running past the window (see the warning).  Writes
# $O/bench/profile-BENCH.json and prints it.  PROFILE_HV=xen profiles the Xen
# 4.17 domU of bench/linux.sh instead, with the symbols of Debian's
# xen-hypervisor-4.17-amd64-dbg (XEN_SYMS; without them visits are told apart by
# their entry address only; rebuilds $O/linux-dom0/initramfs.gz).
# usage: bench/profile.sh BENCH ITERS      e.g. bench/profile.sh null_syscall 6000000
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
L=$O/linux
bench=${1:?usage: bench/profile.sh BENCH ITERS}
iters=${2:?usage: bench/profile.sh BENCH ITERS}
win=${WINDOW:-4}
t=$(mktemp -d /tmp/tessera-profile.XXXXXX)
q=
trap '[ -n "$q" ] && kill $q 2>/dev/null; rm -rf "$t"' EXIT
mkdir -p "$O/bench"
run=$(nm "$L/bench/$bench" 2>/dev/null | awk '$3 == "run" { print "0x" $1 }')
[ -n "$run" ] || { echo "bench/profile.sh: no run() in $L/bench/$bench" >&2; exit 1; }
printf 'xs.cfg\nbench.cfg\n' >"$t/boot.list"
printf 'name = "linux"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 256\nextra = "console=hvc0 tessera_out=console tessera_steps=uname+bench-%s:%s+poweroff"\n' \
  "$bench" "$iters" >"$t/bench.cfg"
mods="$O/servers/runtime.elf,$O/servers/domain-builder --boot boot.list,$t/boot.list boot.list"
mods+=",tests/linux-domu/xs.cfg xs.cfg,$t/bench.cfg bench.cfg,$O/servers/runtime.elf runtime.elf"
mods+=",$O/servers/xenstored xenstored,$L/vmlinuz vmlinuz,$L/initramfs.gz initrd.gz"
mkfifo "$t/trace"
hv=${PROFILE_HV:-tessera}
out="$O/bench/profile-$hv-$bench.json"
qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max,la57=off -smp 1 -display none -no-reboot
      -icount shift=0,sleep=off -serial "file:$t/serial" -monitor "unix:$t/mon,server,nowait" -d in_asm,nochain)
: >"$t/serial"
if [ "$hv" = xen ]; then
  bash bench/xen-domu/dom0-initramfs.sh "uname+bench-$bench:$iters+poweroff" >"$t/dom0.log" 2>&1 ||
    { echo "bench/profile.sh: dom0 initramfs failed" >&2; exit 1; }
  zcat "${XEN_GZ:-/boot/xen-4.17-amd64.gz}" >"$t/xen"
  syms=${XEN_SYMS:-/usr/lib/debug/boot/xen-syms-4.17-amd64}
  [ -r "$syms" ] || syms=
  /usr/bin/python3 bench/profile.py "$t/trace" $syms >"$out" &
  pp=$!
  "${qemu[@]}" -m 1024 -kernel "$t/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M smap=0 noreboot" \
    -initrd "$O/linux-dom0/vmlinuz console=hvc0 earlyprintk=xen,$O/linux-dom0/initramfs.gz" \
    -dfilter "0xffff82d040000000..0xffff82d07fffffff,$run..$((run + 0x400))" -D "$t/trace" &
else
  /usr/bin/python3 bench/profile.py "$t/trace" "$O/tessera.elf" >"$out" &
  pp=$!
  "${qemu[@]}" -m 768 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$O/tessera.elf" -append "dom0_mem=192" -initrd "$mods" \
    -dfilter "0xffff82d080000000..0xffff82d0bfffffff,$run..$((run + 0x400))" -D "$t/trace" &
fi
q=$!
mon() {
  python3 - "$t/mon" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1]); time.sleep(0.2); s.recv(65536)
s.send(sys.argv[2].encode() + b"\n"); time.sleep(0.2)
PY
}
end=$(( $(date +%s) + ${PROFILE_TIMEOUT:-3000} ))
until grep -aq "uname-v" "$t/serial"; do
  kill -0 $q 2>/dev/null && [ "$(date +%s)" -lt $end ] || { echo "bench/profile.sh: no boot" >&2; exit 1; }
  sleep 1
done
sleep "${SETTLE:-10}"
mon "log in_asm,exec,nochain"
sleep "$win"
mon "log in_asm,nochain"
grep -aq "bench: name=$bench" "$t/serial" && echo "bench/profile.sh: WARNING: $bench ended within the window" >&2
kill $q; wait $q 2>/dev/null; q=
wait $pp
cat "$out"

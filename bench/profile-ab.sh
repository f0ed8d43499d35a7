#!/usr/bin/env bash
# Host CPU time per operation of two builds of the core, side by side (issue 18):
# each ELF boots the domU of bench/profile.sh (builder + xenstore domain + Linux),
# which runs /bench/BENCH for N1 and then N2 iterations; the CPU seconds (utime +
# stime) of each QEMU's vCPU thread are sampled when each result line appears,
# and the N2 run's share, divided by N2, is printed per build (the N1 run and boot
# are left out).  Both run in the same minutes, so the host's other load falls on
# both; repeat the pair and compare, as one pair on a loaded host is noisy.
# usage: bench/profile-ab.sh OLD.elf NEW.elf BENCH N1 N2
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
L=$O/linux
[ $# -eq 5 ] || { echo "usage: bench/profile-ab.sh OLD.elf NEW.elf BENCH N1 N2" >&2; exit 2; }
bench=$3 n1=$4 n2=$5
t=$(mktemp -d /tmp/tessera-ab.XXXXXX)
trap 'rm -rf "$t"' EXIT
one() { # one ELF TAG: prints "TAG ns_per_op_host"
  local d=$t/$2 q tid= seen=0 c
  mkdir -p "$d"
  printf 'xs.cfg\nbench.cfg\n' >"$d/boot.list"
  printf 'name = "linux"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 256\nextra = "console=hvc0 tessera_out=console tessera_steps=uname+bench-%s:%s+bench-%s:%s+poweroff"\n' \
    "$bench" "$n1" "$bench" "$n2" >"$d/bench.cfg"
  local mods="$O/servers/runtime.elf,$O/servers/domain-builder --boot boot.list,$d/boot.list boot.list"
  mods+=",tests/linux-domu/xs.cfg xs.cfg,$d/bench.cfg bench.cfg,$O/servers/runtime.elf runtime.elf"
  mods+=",$O/servers/xenstored xenstored,$L/vmlinuz vmlinuz,$L/initramfs.gz initrd.gz"
  : >"$d/serial"
  qemu-system-x86_64 -machine q35 -accel tcg -cpu max,la57=off -smp 1 -display none -no-reboot \
    -name ab,debug-threads=on -serial "file:$d/serial" -m 768 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$1" -append "dom0_mem=192" -initrd "$mods" &
  q=$!
  local end=$(($(date +%s) + ${AB_TIMEOUT:-3000}))
  while kill -0 $q 2>/dev/null && [ "$(date +%s)" -lt $end ]; do
    [ -n "$tid" ] || tid=$(grep -l "TCG" /proc/$q/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5)
    c=$(grep -ac "bench: name=$bench iters" "$d/serial")
    if [ -n "$tid" ] && [ "$c" -gt "$seen" ]; then
      sed 's/.*) //' /proc/$q/task/$tid/stat | awk '{ print $12 + $13 }' >>"$d/cpu"
      seen=$c
    fi
    [ "$seen" -ge 2 ] && break
    sleep 0.2
  done
  kill $q 2>/dev/null; wait $q 2>/dev/null
  [ "$seen" -ge 2 ] || { echo "$2 failed (see $d/serial)"; return; }
  awk -v n="$n2" -v tag="$2" -v hz="$(getconf CLK_TCK)" 'NR == 1 { a = $1 } NR == 2 { printf "%s %.0f ns/op\n", tag, ($1 - a) / hz * 1e9 / n }' "$d/cpu"
}
one "$1" old & p=$!
one "$2" new
wait $p

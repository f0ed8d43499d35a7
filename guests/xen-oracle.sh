#!/usr/bin/env bash
# Runs a conformance guest as dom0 of Debian's real Xen 4.17 under QEMU (TCG), to check
# the guests' expectations against the reference hypervisor. Needs the package
# xen-hypervisor-4.17-amd64 (/boot/xen-4.17-amd64.gz). Checks that only hold for a
# libxc-built domU are reported as skipped there (see DOMU_ONLY in guests/lib/lib.h).
# usage: guests/xen-oracle.sh build/guests/conform-cpu.elf [log]   (XEN_APPEND: more Xen options)
set -u
elf=$1
log=${2:-${elf%.elf}.xen.log}
xengz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
[ -r "$xengz" ] || { echo "no $xengz (apt-get install xen-hypervisor-4.17-amd64)"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zcat "$xengz" >"$tmp/xen"
: >"$log"
qemu-system-x86_64 -accel tcg -cpu max,la57=off -m 512 -smp 1 -display none -no-reboot \
  -kernel "$tmp/xen" \
  -append "console=com1 com1=115200,8n1 dom0_mem=64M loglvl=all guest_loglvl=all smap=0 noreboot ${XEN_APPEND:-}" \
  -initrd "$elf xen-oracle" -serial "file:$log" -monitor none &
qpid=$!
for _ in $(seq 1 ${TIMEOUT:-240}); do
  sleep 1
  if grep -qE '^[0-9]+ passed, [0-9]+ failed|Dom0 halted|Dom0 shutdown|crashed|Panic' "$log"; then
    sleep 1; break
  fi
done
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
grep -E '^(ok|FAIL|#|[0-9]+ passed)' "$log"
grep -q '^[0-9]\+ passed, 0 failed' "$log"

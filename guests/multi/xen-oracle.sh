#!/usr/bin/env bash
# Runs a multi-domain parent (build/guests/PARENT.elf) as dom0 of Debian's Xen 4.17
# under the same QEMU, with multi-child.elf as its initrd (the parent builds its
# children from it), to check the expectations against the reference hypervisor.
# Tessera-only checks (capabilities, the build phase, teardown of live mappings,
# exact free-page counts) are not run there (on_tessera in xc.c).
# usage: guests/multi/xen-oracle.sh multi-conform [log]
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
name=$1
log=${2:-$O/test-logs/$name.xen.log}
xengz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
[ -r "$xengz" ] || { echo "no $xengz (apt-get install xen-hypervisor-4.17-amd64)"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zcat "$xengz" >"$tmp/xen"
mkdir -p "$(dirname "$log")"; : >"$log"
qemu-system-x86_64 -machine q35 -accel tcg -cpu max,la57=off -m 512 -smp "${SMP:-1}" -display none \
  -no-reboot -kernel "$tmp/xen" \
  -append "console=com1 com1=115200,8n1 dom0_mem=64M loglvl=all guest_loglvl=all smap=0 noreboot" \
  -initrd "$O/guests/$name.elf xen-oracle,$O/guests/multi-child.elf" -serial "file:$log" -monitor none &
qpid=$!
for _ in $(seq 1 ${TIMEOUT:-300}); do
  sleep 1
  grep -qE '^[0-9]+ passed, [0-9]+ failed|Dom0 halted|Dom0 shutdown|crashed|Panic' "$log" && { sleep 1; break; }
done
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
grep -E '^(ok|FAIL|#|[0-9]+ passed)' "$log"
grep -q '^[0-9]\+ passed, 0 failed' "$log"

#!/usr/bin/env bash
# make bench (via tests/bench.sh): disk I/O of a Linux domU through blkback
# on Tessera — the stack of tests/suites/62-linux-blkback.sh (builder,
# xenstore domain, blkback as a service domain on a virtio-blk function under
# QEMU's Intel IOMMU, cache=writeback image) and bench/linux/diskio in the
# guest on /dev/xvda: sequential 1 MiB writes and reads (64 MiB), 4 KiB random
# writes and reads (2000), O_DIRECT, one request at a time, wall clock under
# TCG.  Writes a Markdown section to stdout; logs go to $O/bench/blkback/.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
out="$O/bench/blkback"
mkdir -p "$out"
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench-bb.XXXXXX")
log=$out/serial.log
. tests/linux-domu/lib.sh
trap cleanup EXIT
echo "## Disk I/O of a Linux domU through blkback (Tessera)"
echo
linux_prepare >"$out/prepare.log" 2>&1
img=$out/disk.img
rm -f "$img"
truncate -s 128M "$img"
BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds:bbcmds" \
BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback
  -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
  boot blkback.list 1024 xs.cfg blkback.cfg bench-disk.cfg >"$out/boot.log" 2>&1
if ! wait_re "^\(d0\) \(d[0-9]+\) blkback: serving " 200 >>"$out/boot.log"; then
  echo "blkback did not come up (see $out/)."; exit 1
fi
xl create bench-disk.cfg >"$out/create.log" 2>&1
id=$(sed -n 's/^created domain //p' "$out/create.log")
wait_re "^\(d0\) \(d$id\) TESSERA-INIT-DONE" 600 >>"$out/boot.log" 2>&1
val() { slog | sed -nE "s/^\(d0\) \(d$id\) bench: name=$1 iters=[0-9]+ ns_per_op=([0-9.]+).*/\1/p" | tail -n 1; }
sw=$(val disk_seq_write_1m) sr=$(val disk_seq_read_1m) rw=$(val disk_rand_write_4k) rr=$(val disk_rand_read_4k)
rate() { [ -n "$1" ] && python3 -c "print('%.1f' % ($2 / ($1 / 1e9)))" || echo "n/a"; }
echo "| | sequential write (1 MiB) | sequential read (1 MiB) | random write (4 KiB) | random read (4 KiB) |"
echo "|---|---|---|---|---|"
echo "| Tessera, wall clock (TCG) | $(rate "$sw" 1) MiB/s | $(rate "$sr" 1) MiB/s | $(rate "$rw" 1) IOPS | $(rate "$rr" 1) IOPS |"
echo
echo "One request at a time (O_DIRECT, queue depth 1), so these are latency-bound;"
echo "each write phase ends with fsync (a flush through blkback to the device)."
echo "Not measured yet: Debian's Xen 4.17 (Linux blkback in dom0) and native"
echo "virtio-blk with the same kernel and image, and an -icount run."

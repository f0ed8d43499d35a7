#!/usr/bin/env bash
# A Linux domU with a disk from blkback (issue 14): the builder starts the
# xenstore domain and the blkback service domain (the virtio-blk function
# 00:04.0 under QEMU's Intel IOMMU, pci = [ ... ]); blkback formats its VBD
# map on the fresh image and creates the VBD "data" (64 MiB, at 1 MiB, where
# the host put an ext4 file system); `xl create linux-disk.cfg`
# (disk = [ "vdev=xvda, access=rw, target=data" ], 2 vCPUs: 2 queues): /init loads
# xen-blkfront, mounts /dev/xvda, writes 4 MiB of files with their MD5 sums,
# syncs, drops the page cache, checks them read back, writes and deletes a
# 16 MiB scratch file, unmounts, powers off.  Discard: `xl create
# linux-trim.cfg` runs fstrim on that file system (blkfront's
# BLKIF_OP_DISCARD, blkback's virtio-blk DISCARD, QEMU's discard=unmap): the
# image's allocated blocks (du) shrink by at least the 16 MiB.
# Then durability: `xl create linux-rec.cfg` writes numbered records to its
# own VBD "recs" (xvdb), fsync after each, and QEMU is killed (SIGKILL) right
# after a record is acknowledged; the image must hold every acknowledged
# record.  The host then checks the file system (e2fsck) and the files
# (debugfs): the other guest's writes to its VBD did not touch them.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 62 62-linux-blkback.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/blkback"

img=$O/test-logs/62-linux-blkback.img
rm -f "$img" "$t/fs.img"
truncate -s 128M "$img"
mkfs.ext4 -q -F -L tessera "$t/fs.img" 64M >/dev/null 2>&1 &&
  dd if="$t/fs.img" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none &&
  ok "host: ext4 made at 1 MiB of a blank 128 MiB image" || { fail "host: mkfs.ext4"; finish; }

BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds:bbcmds" \
BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback,discard=unmap
  -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
  boot blkback.list 1024 xs.cfg blkback.cfg linux-disk.cfg linux-trim.cfg linux-rec.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(blkback\)$" 60 || finish
be=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
wait_line "(d0) (d$be) blkback: disk 0000:00:04.0: 128 MiB, write cache (flush), 2 vectors, map generation 0, 0 vbds" 60
wait_line "(d0) (d$be) ok data 64 MiB, 1 extent, detached" 30
wait_line "(d0) (d$be) ok recs 1 MiB, 1 extent, detached" 30
wait_line "(d0) (d$be) blkback: serving /local/domain/$be/backend/vbd" 30 || finish

# VBD commands typed on blkback's console (xl console over COM2).
out=$(con blkback '!create extra 2M' 2>&1)
# (grep the answer's line: blkback's own log lines may reach the session around it)
check "xl console blkback: create extra 2M" "$(out_of 1 "$out" | grep -x 'ok extra 2 MiB, 1 extent, detached')" "ok extra 2 MiB, 1 extent, detached"
out=$(con blkback '!delete extra' 2>&1)
check "xl console blkback: delete extra" "$(out_of 1 "$out" | grep -x 'ok deleted extra')" "ok deleted extra"

xl create linux-disk.cfg >"$t/create.out" 2>&1
id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' "$t/create.out")
check "xl create linux-disk.cfg" "$(cat "$t/create.out")" "created domain $id (linux)"
wait_line "(d0) domain-builder: linux: disk xvda (vbd 'data', rw) on blkback" 10
wait_line "(d0) (d$be) blkback: d$id device 51712: vbd data rw, 2 queues" 120
wait_line "(d0) (d$be) blkback: d$id device 51712: persistent grants, at most 1056 per queue, 1856 on all rings" 10
g="(d0) (d$id)"
wait_re "^\(d0\) \(d$id\) \[ *[0-9.]+\] blkfront: xvda: flush diskcache: enabled; persistent grants: enabled; indirect descriptors: enabled;" 120
wait_line "$g disk: /dev/xvda 131072 sectors" 60
wait_line "$g disk: mounted" 30
wait_line "$g disk: synced" 60
for n in 0 1 2 3; do wait_line "$g disk: f$n: OK" 30; done
wait_line "$g disk: unmounted" 30
wait_line "$g scratch: 16 MiB written and deleted" 120
wait_line "$g TESSERA-INIT-DONE" 30
wait_re "^\(d0\) domain-builder: domain $id \(linux\) shut down: poweroff" 60
wait_line "(d0) (d$be) blkback: d$id device 51712: disconnected" 30
# Both queues' kept grants are unmapped at the disconnect; the guest's 4 MiB went through them.
pg=$(slog | sed -nE "s/^\(d0\) \(d$be\) blkback: d$id queue ([01]): ([0-9]+) persistent grants unmapped$/\1 \2/p")
check "blkback: both queues' persistent grants unmapped at the disconnect" "$(cut -d' ' -f1 <<<"$pg" | sort | tr '\n' ' ')" "0 1 "
n=$(awk '{ s += $2 } END { print s + 0 }' <<<"$pg")
[ "$n" -gt 0 ] && [ "$n" -le 2112 ] && ok "blkback: $n persistent grants were in use (0 < n <= 2 x 1056)" ||
  fail "blkback: $n persistent grants in use"
slog | grep -qE "runtime: program killed|PANIC|DMA fault" && fail "a crash or a DMA fault in the log" || ok "no crash, no DMA fault"

# Discard: the deleted scratch file's blocks are still allocated in the image
# (QEMU writes through to it); fstrim in a second guest frees them.
du0=$(du -B1 "$img" | cut -f1)
xl create linux-trim.cfg >"$t/create3.out" 2>&1
id3=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' "$t/create3.out")
check "xl create linux-trim.cfg" "$(cat "$t/create3.out")" "created domain $id3 (linux-trim)"
g3="(d0) (d$id3)"
for n in 0 1 2 3; do wait_line "$g3 trim: before: f$n: OK" 180; done
wait_line "$g3 trim: discard_granularity 512" 30
wait_re "^\(d0\) \(d$id3\) trim: /mnt: [0-9]+ bytes trimmed$" 120
for n in 0 1 2 3; do wait_line "$g3 trim: after: f$n: OK" 60; done
wait_line "$g3 trim: unmounted" 30
wait_re "^\(d0\) domain-builder: domain $id3 \(linux-trim\) shut down: poweroff" 60
du1=$(du -B1 "$img" | cut -f1)
echo "# image allocated: $du0 bytes before fstrim, $du1 after ($(slog | sed -nE "s/^\(d0\) \(d$id3\) trim: (.*bytes trimmed)$/\1/p"))"
[ "$du1" -le $((du0 - (16 << 20))) ] && ok "fstrim: the image's allocated blocks shrank by at least the 16 MiB deleted" ||
  fail "fstrim: the image's allocation went from $du0 to $du1 bytes"

xl create linux-rec.cfg >"$t/create2.out" 2>&1
id2=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' "$t/create2.out")
check "xl create linux-rec.cfg" "$(cat "$t/create2.out")" "created domain $id2 (linux-rec)"
# Kill QEMU the moment record 40 or later is acknowledged.
end=$(( $(date +%s) + 180 ))
while [ "$(date +%s)" -lt "$end" ] && ! slog | grep -qE "^\(d0\) \(d$id2\) record ([4-9][0-9]|[0-9]{3,}) acked$"; do sleep 0.05; done
kill -KILL -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
acked=$(slog | sed -nE "s/^\(d0\) \(d$id2\) record ([0-9]+) acked$/\1/p" | sort -n | tail -n 1)
if [ -z "$acked" ] || [ "$acked" -lt 40 ]; then
  fail "durability: no record 40 acknowledged in 180 s (last: ${acked:-none})"
else
  ok "durability: QEMU killed (SIGKILL) after record $acked was acknowledged"
  # recs is the second VBD: 1 MiB at 65 MiB
  bad=$(records_bad "$img" $((65 << 20)) "$acked")
  check "durability: every acknowledged record (0-$acked) is in the image" "$bad" 0
fi

# The host's view: a clean file system holding the four files and their sums.
dd if="$img" of="$t/fs.img" bs=1M skip=1 count=64 status=none
e2fsck -fn "$t/fs.img" >"$t/fsck.out" 2>&1 && ok "host: e2fsck finds the file system clean" ||
  fail "host: e2fsck: $(tail -n 3 "$t/fsck.out" | tr '\n' ' ')"
mkdir -p "$t/out"
for f in f0 f1 f2 f3 SUMS; do debugfs -R "dump /$f $t/out/$f" "$t/fs.img" >/dev/null 2>&1; done
(cd "$t/out" && md5sum -c SUMS >"$t/md5.out" 2>&1) && [ "$(grep -c ': OK$' "$t/md5.out")" -eq 4 ] &&
  ok "host: the four files match the sums the guest wrote" || fail "host: $(cat "$t/md5.out" | tr '\n' ' ')"
check "host: 4 MiB of files" "$(cat "$t/out/f0" "$t/out/f1" "$t/out/f2" "$t/out/f3" 2>/dev/null | wc -c)" 4194304
finish

#!/usr/bin/env bash
# Two Linux domUs at once on two VBDs of one disk (issue 14): blkback (the
# service domain of 62-linux-blkback, virtio-blk 00:04.0 under QEMU's Intel
# IOMMU) makes "va" and "vb" (16 MiB each, at 1 and 17 MiB of the disk, where
# the host put two ext4 file systems holding WHO = va / vb); linux-va and
# linux-vb each mount theirs, check WHO, then write 8 MiB of random data and
# an owner marker with MD5 sums, both at the same time in the background
# (linux-va with 4 vCPUs: 4 queues, each of up to 1056 persistent grants,
# 1856 in all, below the runtime's 2048 mappings);
# each reads its files back through the disk (page cache dropped) and finds
# only its own files and not the other's marker on its whole raw device.
# A third guest asking for va read-write and vb read-only while they are held
# read-write is refused by blkback with the reason (logged, hotplug-error),
# gets no disk, and its destruction leaves linux-va's attachment alone.  The
# xl shell's VBD commands (vbd-create, -grow, -delete, -list, every bad input
# refused with blkback's reason): a VBD made at run time is attached to
# linux-va, written, grown while attached (the guest sees the new size),
# detached and deleted.  On
# the host: both file systems clean (e2fsck), the files match their sums
# (debugfs), and neither extent holds the other guest's marker.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-62t.XXXXXX")
log=$O/test-logs/62-linux-blkback-two.serial
. tests/linux-domu/lib.sh
trap cleanup EXIT
linux_prepare
[ -f "$O/servers/blkback" ] || { fail "$O/servers/blkback is missing (run make)"; finish; }

img=$O/test-logs/62-linux-blkback-two.img
rm -f "$img"
truncate -s 64M "$img"
mk=0
for v in va:1 vb:17; do
  n=${v%%:*} at=${v#*:}
  rm -f "$t/$n.img"; echo "$n" >"$t/who"
  mkfs.ext4 -q -F -L "$n" "$t/$n.img" 16M >/dev/null 2>&1 &&
    debugfs -w -R "write $t/who WHO" "$t/$n.img" >/dev/null 2>&1 &&
    dd if="$t/$n.img" of="$img" bs=1M seek="$at" conv=notrunc status=none && mk=$((mk + 1))
done
check "host: two ext4 file systems (WHO = va, vb) at 1 and 17 MiB of a blank 64 MiB image" "$mk" 2
[ "$mk" -eq 2 ] || finish

BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds-two:bbcmds" \
BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback
  -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
  boot blkback.list 1280 xs.cfg blkback.cfg linux-va.cfg linux-vb.cfg linux-dup.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(blkback\)$" 60 || finish
be=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
wait_line "(d0) (d$be) ok va 16 MiB, 1 extent, detached" 90
wait_line "(d0) (d$be) ok vb 16 MiB, 1 extent, detached" 30
wait_line "(d0) (d$be) blkback: serving /local/domain/$be/backend/vbd" 30 || finish

declare -A id
for n in va vb; do
  out=$(xl create linux-$n.cfg); id[$n]=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
  check "xl create linux-$n.cfg" "$out" "created domain ${id[$n]} (linux-$n)"
done
for n in va vb; do
  wait_line "(d0) domain-builder: linux-$n: disk xvda (vbd '$n', rw) on blkback" 10
  q="1 queue"; [ $n = va ] && q="4 queues" # linux-va has 4 vCPUs
  wait_line "(d0) (d$be) blkback: d${id[$n]} device 51712: vbd $n rw, $q" 150
  wait_line "(d0) (d$be) blkback: d${id[$n]} device 51712: persistent grants, at most 1056 per queue, 1856 on all rings" 10
  wait_line "(d0) (d${id[$n]}) TESSERA-INIT-OK" 120 || finish
done
check "xl list: both guests run" "$(xl list | awk '$1 ~ /^linux-/ { print $1, $2 }')" "linux-va ${id[va]}
linux-vb ${id[vb]}"

# Each sees its own VBD: size and the host's WHO file.
for n in va vb; do
  out=$(con linux-$n 'dmesg -n 1' 'cat /sys/block/xvda/size' 'mkdir -p /mnt && mount -t ext4 /dev/xvda /mnt && cat /mnt/WHO')
  check "linux-$n: /dev/xvda has 32768 sectors" "$(out_of 2 "$out")" 32768
  check "linux-$n: mounts /dev/xvda, WHO = $n" "$(out_of 3 "$out")/$(rc_of 3 "$out")" "$n/0"
done
# Both write at the same time: 8 MiB of random data and a marker, their sums,
# sync; /tmp/written when done.
for n in va vb; do
  out=$(con linux-$n "(cd /mnt && dd if=/dev/urandom of=data bs=1M count=8 2>/dev/null && echo TESSERA-OWNER-$n >owner && md5sum data owner >SUMS && sync && echo written >/tmp/written) </dev/null >/dev/null 2>&1 & true")
  check "linux-$n: writing in the background" "$(rc_of 1 "$out")" 0
done
for n in va vb; do
  o=vb; [ $n = vb ] && o=va
  out=$(con linux-$n 'i=0; while [ ! -f /tmp/written ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i+1)); done; cat /tmp/written' \
    'echo 3 >/proc/sys/vm/drop_caches' 'cd /mnt && md5sum -c SUMS; cd /' 'echo $(ls /mnt)' \
    "grep -ac TESSERA-OWNER-$o /dev/xvda" "grep -ac TESSERA-OWNER-$n /dev/xvda")
  check "linux-$n: its writes finished (synced)" "$(out_of 1 "$out")" written
  check "linux-$n: its files read back through the disk match their sums" "$(out_of 3 "$out")" "data: OK
owner: OK"
  check "linux-$n: only its own files" "$(out_of 4 "$out")" "SUMS WHO data lost+found owner"
  check "linux-$n: the other guest's marker is nowhere on its /dev/xvda" "$(out_of 5 "$out")" 0
  check "linux-$n: its own marker is on its /dev/xvda once" "$(out_of 6 "$out")" 1
done

# VBDs managed from the xl shell (blkback's control node in xenstore): a VBD
# made at run time, attached to linux-va, written, grown while attached (the
# guest sees the new size), detached and deleted; every bad request refused
# with blkback's reason.
va=${id[va]}
check "xl vbd-create vc 8M" "$(xl vbd-create vc 8M)" "vc 8 MiB, 1 extent, detached"
check "xl vbd-create vc 1M: the name exists" "$(xl vbd-create vc 1M)" "xl: blkback: vbd 'vc' exists"
check "xl vbd-create with a bad name" "$(xl vbd-create v/d 1M)" "xl: blkback: bad name 'v/d' (1-31 of A-Z a-z 0-9 . _ -)"
check "xl vbd-create with a name of 32 characters" "$(xl vbd-create abcdefghijklmnopqrstuvwxyz012345 1M)" \
  "xl: blkback: bad name 'abcdefghijklmnopqrstuvwxyz012345' (1-31 of A-Z a-z 0-9 . _ -)"
check "xl vbd-create of size 0" "$(xl vbd-create vd 0)" "xl: blkback: bad size '0' (bytes, with K, M, G or T)"
check "xl vbd-create of size 12X" "$(xl vbd-create vd 12X)" "xl: blkback: bad size '12X' (bytes, with K, M, G or T)"
check "xl vbd-create past the disk" "$(xl vbd-create vd 1G)" "xl: blkback: not enough free space on the disk for 1024 MiB"
check "xl vbd-create with a blank in the name" "$(xl "vbd-create 'v d' 1M")" "xl: 'v d' is not one word (VBD names and sizes have no blanks)"
check "xl vbd-grow past the disk" "$(xl vbd-grow vc 64M)" "xl: blkback: not enough free space on the disk for 64 MiB"
check "xl vbd-grow to a smaller size" "$(xl vbd-grow vc 4M)" "xl: blkback: 'vc' is already 8 MiB"
check "xl vbd-grow of an unknown VBD" "$(xl vbd-grow nosuch 1M)" "xl: blkback: no vbd 'nosuch'"
check "xl vbd-delete of an unknown VBD" "$(xl vbd-delete nosuch)" "xl: blkback: no vbd 'nosuch'"
check "xl vbd-delete of an attached VBD" "$(xl vbd-delete va)" "xl: blkback: vbd 'va' is attached"
check "xl vbd-list -b of a domain that is no backend" "$(xl vbd-list -b nobe)" "xl: backend domain 'nobe' is not running (or xenstore is not)"
check "xl vbd-list" "$(xl vbd-list)" "3 vbds
va 16 MiB, 1 extent, rw d$va
vb 16 MiB, 1 extent, rw d${id[vb]}
vc 8 MiB, 1 extent, detached"
check "xl block-attach linux-va (vc, made at run time)" "$(xl block-attach linux-va "'vdev=xvdb, access=rw, target=vc'")" \
  "attached disk xvdb (vbd 'vc', rw) of blkback to domain $va (linux-va)"
wait_line "(d0) (d$be) blkback: d$va device 51728: vbd vc rw, 4 queues" 60
out=$(con linux-va 'i=0; while [ ! -b /dev/xvdb ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done; cat /sys/block/xvdb/size' \
  'echo TESSERA-VC-MARK >/dev/xvdb && sync && echo written')
check "linux-va: /dev/xvdb (vc) has 16384 sectors" "$(out_of 1 "$out")" 16384
check "linux-va: writes its marker to /dev/xvdb" "$(out_of 2 "$out")" written
check "xl vbd-delete of vc, attached" "$(xl vbd-delete vc)" "xl: blkback: vbd 'vc' is attached"
check "xl vbd-grow vc 12M while attached" "$(xl vbd-grow vc 12M)" "vc 12 MiB, 1 extent, rw d$va"
wait_line "(d0) (d$be) blkback: d$va device 51728: vbd vc grown to 24576 sectors" 30
out=$(con linux-va 'i=0; while [ "$(cat /sys/block/xvdb/size)" != 24576 ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done; cat /sys/block/xvdb/size')
check "linux-va: /dev/xvdb grew to 24576 sectors (blkfront read the new size)" "$(out_of 1 "$out")" 24576
check "xl block-list linux-va: two disks" "$(xl block-list linux-va | awk 'NR > 1 { print $1 }')" "51712
51728"
check "xl block-detach linux-va xvdb" "$(xl block-detach linux-va xvdb)" "detached disk xvdb from domain $va (linux-va)"
wait_line "(d0) (d$be) blkback: d$va device 51728: disconnected" 30
check "xl vbd-delete vc once detached" "$(xl vbd-delete vc)" "deleted vc"
check "xl vbd-list after it" "$(xl vbd-list)" "2 vbds
va 16 MiB, 1 extent, rw d$va
vb 16 MiB, 1 extent, rw d${id[vb]}"

# A second read-write attachment of va (and a read-only one of vb, held
# read-write) to another guest: refused, with the reason.
out=$(xl create linux-dup.cfg); dup=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-dup.cfg" "$out" "created domain $dup (linux-dup)"
why="vbd attached elsewhere (rw to one guest, ro to many)"
wait_line "(d0) (d$be) blkback: d$dup device 51712: refused: $why" 60
wait_line "(d0) (d$be) blkback: d$dup device 51728: refused: $why" 30
wait_line "(d0) (d$dup) TESSERA-INIT-OK" 120 || finish
out=$(con linux-dup 'dmesg -n 1' 'sleep 2; ls /sys/block | grep -c xvd')
check "linux-dup: no xvd disk" "$(out_of 2 "$out")" 0
xl destroy linux-dup >"$t/destroy.out" 2>&1
check "xl destroy linux-dup: exit status" "$?" 0
wait_line "(d0) domain-builder: destroyed domain $dup (linux-dup)" 30
slog | grep -qE "^\(d0\) \(d$be\) blkback: d(${id[va]}|${id[vb]}) device 51712: disconnected" &&
  fail "destroying linux-dup disconnected another guest" || ok "linux-va and linux-vb still connected after linux-dup's end"
for n in va vb; do
  out=$(con linux-$n 'echo 3 >/proc/sys/vm/drop_caches' 'cd /mnt && md5sum -c SUMS; cd /' 'umount /mnt && echo unmounted')
  check "linux-$n: reads its files again after linux-dup's end" "$(out_of 2 "$out")" "data: OK
owner: OK"
  check "linux-$n: unmounts" "$(out_of 3 "$out")" unmounted
  con linux-$n '!poweroff -f' >/dev/null
  wait_re "^\(d0\) domain-builder: domain ${id[$n]} \(linux-$n\) shut down: poweroff" 60
  wait_line "(d0) (d$be) blkback: d${id[$n]} device 51712: disconnected" 30
done
no_oops "no oops in the guests"
slog | grep -qE "runtime: program killed|PANIC|DMA fault" && fail "a crash or a DMA fault in the log" || ok "no crash, no DMA fault"
kill -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=

# The host's view of the two extents.
for v in va:1 vb:17; do
  n=${v%%:*} at=${v#*:}
  o=vb; [ $n = vb ] && o=va
  dd if="$img" of="$t/$n.img" bs=1M skip="$at" count=16 status=none
  e2fsck -fn "$t/$n.img" >"$t/fsck.out" 2>&1 && ok "host: e2fsck finds $n clean" ||
    fail "host: e2fsck $n: $(tail -n 3 "$t/fsck.out" | tr '\n' ' ')"
  rm -rf "$t/out"; mkdir -p "$t/out"
  for f in data owner SUMS WHO; do debugfs -R "dump /$f $t/out/$f" "$t/$n.img" >/dev/null 2>&1; done
  (cd "$t/out" && md5sum -c SUMS >"$t/md5.out" 2>&1) && [ "$(grep -c ': OK$' "$t/md5.out")" -eq 2 ] &&
    ok "host: $n's files match the sums its guest wrote" || fail "host: $n: $(tr '\n' ' ' <"$t/md5.out")"
  check "host: $n holds 8 MiB of data, owner and WHO" "$(wc -c <"$t/out/data")/$(cat "$t/out/owner")/$(cat "$t/out/WHO")" \
    "8388608/TESSERA-OWNER-$n/$n"
  check "host: $n's extent lacks TESSERA-OWNER-$o" "$(grep -ac "TESSERA-OWNER-$o" "$t/$n.img")" 0
done
check "host: vc's marker at 33 MiB of the disk (vc's extent, made by xl vbd-create)" \
  "$(dd if="$img" bs=1M skip=33 count=1 status=none | grep -ac TESSERA-VC-MARK)" 1
finish

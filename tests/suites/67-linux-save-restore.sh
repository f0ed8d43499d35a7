#!/usr/bin/env bash
# Save and restore of Debian's Linux domU holding a VBD and a vif (issue 20,
# docs/save-restore.md).  The builder starts xenstore, blkback (virtio-blk
# 00:04.0: an ext4 file system the host made, VBD "data") and netback with
# the NIC (virtio-net 00:05.0, QEMU user networking restricted to a
# forwarded port on 127.0.0.1).  The guest mounts /dev/xvda, writes a file
# and its MD5, serves a page with busybox httpd on 10.0.2.15 and runs a
# counter loop.
#   xl save -c (a checkpoint): the guest runs on with the same devices: the
#     counter goes on, a file written and read back, the host fetches the page;
#   xl save: Linux suspends through xenstore (control/shutdown = suspend, its
#     own path), the image is written, the domain destroyed (blkback and
#     netback let go of it; a small domain takes its id); xl restore: fresh
#     frames, another domain id, backend directories for it, and
#     blkfront/netfront reconnect through Linux's resume path (both xenbus
#     devices Connected, Linux's suspend ran twice and restarted its tasks):
#     the counter has its value from before and goes on, the wall clock is
#     within a minute of the host's and neither it, CLOCK_MONOTONIC nor the
#     uptime went back, the files read back with their sums, a new one is
#     written, the host fetches the page and 1 MiB again, no "I/O error" or
#     "Buffer I/O" in the guest's log.
# After a poweroff the host checks the file system (e2fsck) and every file
# (debugfs, MD5).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 67 67-linux-save-restore.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/blkback" "$O/servers/netback"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
img=$O/test-logs/67-linux-save-restore.img
rm -f "$img" "$t/fs.img"
truncate -s 128M "$img"
mkfs.ext4 -q -F -L tessera "$t/fs.img" 64M >/dev/null 2>&1 &&
  dd if="$t/fs.img" of="$img" bs=1M seek=1 conv=notrunc status=none &&
  ok "host: ext4 made at 1 MiB of a blank 128 MiB image" || { fail "host: mkfs.ext4"; finish; }

QEMU_TIMEOUT=900 BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds:bbcmds $O/servers/netback:netback" \
BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback
  -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0
  -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:80
  -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0" \
  boot save.list 1024 xs.cfg blkback.cfg netback-nic.cfg linux-save.cfg probe.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(blkback\)$" 60 || finish
be=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(netback\)$" 60 || finish
nb=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(netback\)$/\1/p' | tail -n 1)
wait_line "(d0) (d$be) blkback: serving /local/domain/$be/backend/vbd" 90 || finish
wait_line "(d0) (d$nb) netback: serving /local/domain/$nb/backend/vif" 90 || finish

out=$(xl create linux-save.cfg)
id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-save.cfg" "$out" "created domain $id (linux)"
wait_line "(d0) (d$id) TESSERA-INIT-OK" 120 || finish
out=$(con linux 'dmesg -n 1' \
  'for m in xen-netfront xen-blkfront; do insmod /lib/modules/$(uname -r)/$m.ko || exit 1; done; echo loaded' \
  'ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2 && echo up' \
  'i=0; while [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; mkdir -p /mnt && mount -t ext4 /dev/xvda /mnt && echo mounted' \
  'dd if=/dev/urandom of=/mnt/before bs=64k count=16 2>/dev/null; cd /mnt && md5sum before >SUMS && sync && cd / && echo synced' \
  'mkdir -p /www && echo TESSERA-WEB-OK >/www/index.html && dd if=/dev/urandom of=/www/big bs=64k count=16 2>/dev/null && httpd -p 80 -h /www && md5sum /www/big | cut -d" " -f1' \
  '(i=0; while true; do i=$((i+1)); echo $i >/tmp/count; sleep 1; done) >/dev/null 2>&1 & echo started' \
  'sleep 3; cat /tmp/count')
check "guest: xen-netfront and xen-blkfront loaded" "$(out_of 2 "$out")" "loaded"
check "guest: eth0 up (10.0.2.15, default route via QEMU's gateway)" "$(out_of 3 "$out")" "up"
check "guest: /dev/xvda mounted" "$(out_of 4 "$out")" "mounted"
check "guest: a 1 MiB file and its MD5 written, synced" "$(out_of 5 "$out")" "synced"
big=$(out_of 6 "$out")
[[ "$big" =~ ^[0-9a-f]{32}$ ]] && ok "guest: httpd serves /www (1 MiB file $big)" || fail "guest: httpd: [$big]"
check "guest: counter started" "$(out_of 7 "$out") $(rc_of 8 "$out")" "started 0"
c0=$(out_of 8 "$out")
check "host: the guest's page through 127.0.0.1:$port" "$(host_get "$port" index.html)" "TESSERA-WEB-OK"

# a checkpoint: the guest runs on, its devices as they were
FROM=$(mark)
out=$(XL_T=200 xl save -c linux ckpt)
[[ "$out" =~ ^saved\ domain\ $id\ \(linux\)\ as\ ckpt\ \([0-9]+\ bytes\),\ checkpoint:\ it\ runs\ on$ ]] &&
  ok "xl save -c: $out" || fail "xl save -c: $out"
out=$(con linux 'cat /tmp/count' 'sleep 3; cat /tmp/count' \
  'dd if=/dev/urandom of=/mnt/ckpt bs=64k count=16 2>/dev/null; cd /mnt && md5sum ckpt >>SUMS && sync && echo 3 >/proc/sys/vm/drop_caches && md5sum -c SUMS | grep -c ": OK$"; cd /')
k1=$(out_of 1 "$out"); k2=$(out_of 2 "$out")
[[ "$k1" =~ ^[0-9]+$ ]] && [[ "$k2" =~ ^[0-9]+$ ]] && [ "$k1" -ge "$c0" ] && [ "$k2" -gt "$k1" ] &&
  ok "checkpoint: the counter goes on ($c0, $k1, $k2)" || fail "checkpoint: counter [$c0] [$k1] [$k2]"
check "checkpoint: a file written, both read back from the disk with their sums" "$(out_of 3 "$out")" "2"
check "checkpoint: the host fetches the page" "$(host_get "$port" index.html)" "TESSERA-WEB-OK"

# the guest's clocks before the save: wall (date), monotonic (the "now" of
# /proc/timer_list, CLOCK_MONOTONIC in ns), boot time (/proc/uptime)
clocks='date -u +%s; sed -n "s/^now at \([0-9]*\) nsecs$/\1/p" /proc/timer_list | head -n 1; cut -d" " -f1 /proc/uptime'
hb0=$(date +%s)
out=$(con linux "$clocks")
ha0=$(date +%s)
read -r w0 m0 u0 <<<"$(out_of 1 "$out" | tr '\n' ' ')"
[[ "$w0" =~ ^[0-9]+$ ]] && [[ "$m0" =~ ^[0-9]+$ ]] && [[ "$u0" =~ ^[0-9]+\.[0-9]+$ ]] &&
  ok "guest clocks before the save: wall $w0, monotonic $m0 ns, uptime $u0 s" || fail "guest clocks: [$out]"

# the save: the domain goes, its backends let go of it
FROM=$(mark)
ts0=$(date +%s.%N)
out=$(XL_T=200 xl save linux lsav)
ts1=$(date +%s.%N)
[[ "$out" =~ ^saved\ domain\ $id\ \(linux\)\ as\ lsav\ \([0-9]+\ bytes\)$ ]] && ok "xl save: $out" ||
  { fail "xl save: $out"; finish; }
wait_line "tessera: domain $id shut down: suspend" 5
wait_line "(d0) (d$be) blkback: d$id device 51712: disconnected" 30
[ -z "$(xl list | grep -E '^linux ')" ] && ok "the saved domain is gone" || fail "linux still listed"
# a small domain takes the freed id: the restore gets another one, as under Xen
check "xl create probe.cfg (takes domain id $id)" "$(xl create probe.cfg)" "created domain $id (probe)"

FROM=$(mark)
tr0=$(date +%s.%N)
out=$(XL_T=200 xl restore lsav)
tr1=$(date +%s.%N)
# reported, not asserted (wall clock under TCG, the image through the builder's memory)
printf '# xl save %.1f s, xl restore %.1f s (wall clock, TCG)\n' "$(echo "$ts1 - $ts0" | bc)" "$(echo "$tr1 - $tr0" | bc)"
rid=$(sed -n 's/^restored domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl restore" "$out" "restored domain $rid (linux)"
[ -n "$rid" ] && [ "$rid" != "$id" ] && ok "restored as domain $rid (saved as $id)" || fail "restored as [$rid]"
wait_line "(d0) domain-builder: linux: disk xvda (vbd 'data', rw) on blkback" 10
wait_line "(d0) domain-builder: linux: vif 0 (00:16:3e:00:00:0f, 10.0.2.15) on netback" 10
wait_re "^\(d0\) \(d$be\) blkback: d$rid device 51712: vbd data rw, [0-9]+ queues?$" 120
hb1=$(date +%s)
out=$(con linux "$clocks")
ha1=$(date +%s)
read -r gdate m1 u1 <<<"$(out_of 1 "$out" | tr '\n' ' ')"
out=$(con linux 'cat /tmp/count' 'sleep 3; cat /tmp/count' 'true' \
  'echo 3 >/proc/sys/vm/drop_caches; cd /mnt && md5sum -c SUMS | grep -c ": OK$"; cd /' \
  'dd if=/dev/urandom of=/mnt/after bs=64k count=16 2>/dev/null; cd /mnt && md5sum after >>SUMS && sync && echo 3 >/proc/sys/vm/drop_caches && md5sum -c SUMS | grep -c ": OK$"; cd /' \
  'cat /sys/class/net/eth0/operstate')
echo "$out" | sed 's/^/# /'
c1=$(out_of 1 "$out"); c2=$(out_of 2 "$out")
[[ "$c1" =~ ^[0-9]+$ ]] && [ "$c1" -ge "$k2" ] && ok "the counter survived ($k2 before, $c1 after)" ||
  fail "counter after restore: [$c1], before [$k2]"
[[ "$c2" =~ ^[0-9]+$ ]] && [ "$c2" -gt "$c1" ] && ok "the counter goes on ($c1 -> $c2)" ||
  fail "counter does not go on: [$c1] -> [$c2]"
[[ "$gdate" =~ ^[0-9]+$ ]] && [ "$gdate" -ge $((hb1 - 60)) ] && [ "$gdate" -le $((ha1 + 60)) ] &&
  ok "the clock is right (guest $gdate, host $hb1..$ha1)" || fail "clock after restore: guest [$gdate], host $hb1..$ha1"
# reported, not asserted: TCG's clocks against the host's
echo "# guest wall clock minus the host's: $((w0 - ha0))..$((w0 - hb0)) s before the save, $((gdate - ha1))..$((gdate - hb1)) s after the restore"
[[ "$gdate" =~ ^[0-9]+$ ]] && [ "$gdate" -ge "$w0" ] && ok "wall time went on ($w0 before the save, $gdate after)" ||
  fail "wall time went back: [$w0] -> [$gdate]"
[[ "$m1" =~ ^[0-9]+$ ]] && [ "$m1" -gt "$m0" ] && ok "monotonic time went on ($m0 -> $m1 ns)" ||
  fail "monotonic time: [$m0] -> [$m1]"
[[ "$u1" =~ ^[0-9]+\.[0-9]+$ ]] && [ "$(echo "$u1 > $u0" | bc)" = 1 ] && ok "uptime went on ($u0 -> $u1 s)" ||
  fail "uptime: [$u0] -> [$u1]"
check "restore: both files read back from the disk with their sums" "$(out_of 4 "$out")" "2"
check "restore: a third file written, all read back with their sums" "$(out_of 5 "$out")" "3"
check "restore: eth0 is up" "$(out_of 6 "$out")" "up"
check "restore: the host fetches the page" "$(host_get "$port" index.html)" "TESSERA-WEB-OK"
check "restore: the host fetches 1 MiB, the same MD5" "$(host_get "$port" big md5)" "$big"
out=$(con linux 'dmesg | grep -iE "I/O error|Buffer I/O|EXT4-fs (error|warning)|blkfront.*(fail|error)|netfront.*(fail|error)" | head -n 3; echo end' \
  'cd / && umount /mnt && echo unmounted' \
  'cat /sys/bus/xen/devices/vbd-51712/state /sys/bus/xen/devices/vif-0/state' \
  'dmesg | grep -c "\] suspending xenstore\.\.\.$"' 'dmesg | grep -c "\] Restarting tasks \.\.\. done\.$"')
check "the guest's log has no I/O (\"I/O error\", \"Buffer I/O\"), ext4 or frontend error" "$(out_of 1 "$out")" "end"
check "guest: /mnt unmounted" "$(out_of 2 "$out")" "unmounted"
check "guest: blkfront and netfront connected again (xenbus state)" "$(out_of 3 "$out" | tr '\n' ' ')" "Connected Connected "
check "guest: Linux's own suspend path ran twice (checkpoint, save) and its tasks restarted each time" \
  "$(out_of 4 "$out") $(out_of 5 "$out")" "2 2"
check "xl destroy probe" "$(xl destroy probe)" "destroyed domain $id (probe)"
check "xl shutdown linux" "$(xl shutdown linux)" "shutting down domain $rid (linux)"
# its own orderly poweroff: the restore announced control/feature-* again
wait_re "^\(d0\) \(d$rid\) .*reboot: (System halted|Power down)" 60
wait_re "^\(d0\) domain-builder: domain $rid \(linux\) shut down: poweroff" 60
no_oops "no BUG/Oops/WARNING/panic in the guest's log"
slog | grep -qE "runtime: program killed|PANIC|DMA fault" && fail "a crash or a DMA fault in the log" || ok "no crash, no DMA fault"
FROM=0
no_fail_lines

# the host's view: a clean file system holding the three files and their sums
dd if="$img" of="$t/fs.img" bs=1M skip=1 count=64 status=none
e2fsck -fn "$t/fs.img" >"$t/fsck.out" 2>&1 && ok "host: e2fsck finds the file system clean" ||
  fail "host: e2fsck: $(tail -n 3 "$t/fsck.out" | tr '\n' ' ')"
mkdir -p "$t/out"
for f in before ckpt after SUMS; do debugfs -R "dump /$f $t/out/$f" "$t/fs.img" >/dev/null 2>&1; done
(cd "$t/out" && md5sum -c SUMS >"$t/md5.out" 2>&1) && [ "$(grep -c ': OK$' "$t/md5.out")" -eq 3 ] &&
  ok "host: the three files match the sums the guest wrote" || fail "host: $(cat "$t/md5.out" | tr '\n' ' ')"
finish

#!/usr/bin/env bash
# Hostile blkfront (issue 14): the stack of 62-linux-blkback (xenstore
# domain, blkback as a service domain on the virtio-blk function 00:04.0
# under QEMU's Intel IOMMU) with two tiny PV guests (guests/blkfront) instead
# of Linux.  blkback makes three VBDs of 1 MiB: vh (at 1 MiB), vv (2 MiB),
# vr (3 MiB, where the host put a pattern).  blkfront-victim writes a pattern
# over vv and keeps reading it back and rewriting part of it;
# blkfront-hostile, on vh read-write and vr read-only, sends malformed
# requests (exact BLKIF_RSP_ERROR / EOPNOTSUPP answers, nothing written or
# read where it must not be), floods, impossible ring indices and garbage
# xenstore nodes (blkback closes the device; the guest connects again and is
# served), then 4- and 16-page rings (ring-page-order) flooded.  Then: the
# victim's rounds went on, blkback never died.  Then DMA
# confinement from the driver domain itself (blkback's dma-probe command).
# On the host the image holds exactly what the two guests wrote correctly.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 62h 62-blkback-hostile.serial
D=tests/linux-domu
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/servers/xenstored" \
  "$O/servers/blkback" "$O/guests/blkfront-hostile.elf" "$O/guests/blkfront-victim.elf"

img=$O/test-logs/62-blkback-hostile.img
rm -f "$img"
truncate -s 16M "$img"
# vr's extent (3 MiB): "TESSERA-READONLY" repeated.
python3 -c 'import sys; sys.stdout.buffer.write(b"TESSERA-READONLY" * 65536)' |
  dd of="$img" bs=1M seek=3 conv=notrunc status=none
check "host: a blank 16 MiB image with the read-only pattern at 3 MiB" "$(stat -c %s "$img")" 16777216

printf 'create vh 1M\ncreate vv 1M\ncreate vr 1M\n' >"$t/bbcmds"
printf 'xs.cfg\nblkback.cfg\n' >"$t/boot.list"
printf '%s\n' 'name = "victim"' 'kernel = "blkfront-victim.elf"' 'memory = 8' 'capabilities = [ "CONSOLE" ]' \
  'disk = [ "vdev=xvda, access=rw, target=vv" ]' >"$t/victim.cfg"
printf '%s\n' 'name = "hostile"' 'kernel = "blkfront-hostile.elf"' 'memory = 8' 'capabilities = [ "CONSOLE" ]' \
  'disk = [ "vdev=xvda, access=rw, target=vh", "vdev=xvdb, access=ro, target=vr" ]' >"$t/hostile.cfg"
QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback
  -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" QEMU_TIMEOUT=400 \
  boot_builder 512 "dom0_mem=64" boot.list "$t/boot.list:boot.list" "$D/xs.cfg:xs.cfg" "$D/blkback.cfg:blkback.cfg" \
  "$t/victim.cfg:victim.cfg" "$t/hostile.cfg:hostile.cfg" "$t/bbcmds:bbcmds" \
  "$O/servers/runtime.elf:runtime.elf" "$O/servers/xenstored:xenstored" "$O/servers/blkback:blkback" \
  "$O/guests/blkfront-victim.elf:blkfront-victim.elf" "$O/guests/blkfront-hostile.elf:blkfront-hostile.elf"
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(blkback\)$" 60 || finish
be=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
for v in vh vv vr; do wait_line "(d0) (d$be) ok $v 1 MiB, 1 extent, detached" 60; done
wait_line "(d0) (d$be) blkback: serving /local/domain/$be/backend/vbd" 30 || finish

out=$(xl create victim.cfg); vid=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create victim.cfg" "$out" "created domain $vid (victim)"
wait_line "(d0) (d$be) blkback: d$vid device 51712: vbd vv rw, 1 queue" 60
wait_line "(d$vid) ok - wrote the pattern over all 2048 sectors" 120
wait_line "(d$vid) ok - round 1: 2048 sectors intact, 64 rewritten, sentinel intact" 120 || finish

out=$(xl create hostile.cfg); hid=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create hostile.cfg" "$out" "created domain $hid (hostile)"
wait_re "^\(d$hid\) [0-9]+ passed, [0-9]+ failed$" 300
slog | grep -E "^\(d$hid\) (ok|FAIL) - " >"$t/hostile.out"
check "hostile: every check passed" "$(grep -c '^(d[0-9]*) FAIL' "$t/hostile.out"; grep '^(d[0-9]*) FAIL' "$t/hostile.out" | head -n 5)" 0
check "hostile: the summary" "$(slog | grep -E "^\(d$hid\) [0-9]+ passed, [0-9]+ failed$")" "(d$hid) 155 passed, 0 failed"
# (counted up to its summary: after its death blkback may find its rings
# revoked before xenstore says it is gone, and close them too)
check "blkback closed the device after each of the 3 ring index attacks" \
  "$(slog | sed -n "1,/^(d$hid) [0-9]* passed/p" | grep -c "^(d0) (d$be) blkback: d$hid device 51712 queue 0: broken ring, closing$")" 3
check "blkback connected 4-page and 16-page rings" \
  "$(slog | grep -cE "^\(d0\) \(d$be\) blkback: d$hid device 51712: vbd vh rw, 1 queue, (4|16)-page rings$")" 2
wait_re "^\(d0\) domain-builder: domain $hid \(hostile\) shut down: poweroff" 60

# The victim noticed nothing and is still served after the attacks.
n=$(nlines "^\(d$vid\) ok - round [0-9]+: ")
wait_more "^\(d$vid\) ok - round [0-9]+: " "$n" 60 && ok "victim: another round after the hostile guest ended" ||
  fail "victim: no round after the hostile guest ended"
check "victim: no failed check" "$(nlines "^\(d$vid\) FAIL")" 0
slog | grep -qE "runtime: program killed|runtime: restarting|PANIC|DMA fault" &&
  fail "a crash, a restart or a DMA fault in the log" || ok "no crash, no restart, no DMA fault"

# DMA confinement seen from the driver domain: blkback's own device (its
# dma-probe command) writes 4 KiB of the disk into its own DMA page (allowed),
# the L1 page-table frame mapping that page, the victim's sentinel page and
# the hypervisor's image at 2 MiB: the core logs each blocked write, the frame
# is unchanged (blkback compares it with a copy), the sentinel too (the
# victim's next round), and blkback keeps serving.
con() { timeout 300 python3 "$D/console.py" -s "$sock" -t 120 "$@"; }
probe() { con blkback "!dma-probe $1" 2>&1 | sed -n 's/^1: //p' | grep '^dma-probe: ' | head -n 1; }
sent=$(slog | sed -nE "s/^\(d$vid\) # sentinel page at machine address ([0-9a-f]+)$/\1/p" | head -n 1)
check "victim: its sentinel page's machine address" "$([ -n "$sent" ] && echo found)" found
out=$(probe own); own=$(sed -nE 's/^dma-probe: own page ([0-9a-f]+): .*/\1/p' <<<"$out")
check "dma-probe own: into blkback's own DMA page" "$out" "dma-probe: own page $own: status 0, the map copy arrived"
out=$(probe pt); pt=$(sed -nE 's/^dma-probe: L1 frame ([0-9a-f]+): .*/\1/p' <<<"$out")
check "dma-probe pt: into blkback's own L1 page-table frame" "$out" "dma-probe: L1 frame $pt: status 0, the frame is unchanged"
check "dma-probe $sent: into the victim's sentinel page" "$(probe "$sent")" "dma-probe: $sent: status 0"
check "dma-probe 200000: into the hypervisor's image" "$(probe 200000)" "dma-probe: 200000: status 0"
for a in "$pt" "$sent" 200000; do
  wait_re "^tessera: iommu: DMA fault: device 00:04\.0 write 0*$a reason 0x[0-9a-f]+, blocked$" 30
done
# (QEMU may report one blocked write more than once)
check "the faulting addresses: exactly these three (not blkback's own page)" \
  "$(slog | sed -nE 's/^tessera: iommu: DMA fault: device 00:04\.0 write ([0-9a-f]+) .*/\1/p' | sort -u | tr '\n' ' ')" \
  "$(printf '%s\n' "$pt" "$sent" 200000 | sort -u | tr '\n' ' ')"
n=$(nlines "^\(d$vid\) ok - round [0-9]+: ")
wait_more "^\(d$vid\) ok - round [0-9]+: " "$n" 60 && ok "victim: another round after the probes (sentinel intact)" ||
  fail "victim: no round after the probes"
check "victim: still no failed check" "$(nlines "^\(d$vid\) FAIL")" 0
check "xl destroy victim" "$(xl destroy victim)" "destroyed domain $vid (victim)"
wait_line "(d0) (d$be) blkback: d$vid device 51712: disconnected" 30
slog | grep -qE "runtime: program killed|runtime: restarting|PANIC" && fail "a crash or a restart in the log" ||
  ok "no crash, no restart"
kill -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=

# The image: vh holds what the hostile guest wrote correctly (and only that),
# vv the victim's pattern, vr its pattern, everything past 4 MiB zero.
res=$(python3 - "$img" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
MiB = 1 << 20
def sector(tag, s, gen=None):
    t = ('TESSERA-%s %06u' % (tag, s) + (' gen %u' % gen if gen is not None else '') + '\n').encode()
    return t + b'.' * (512 - len(t))
vh = bytearray(MiB)
for s in range(16): vh[s * 512:(s + 1) * 512] = sector('HOSTILE-GOOD', s, 3)
for s in range(64, 192): vh[s * 512:(s + 1) * 512] = sector('HOSTILE-GOOD', s, 2)
for s in range(2040, 2048): vh[s * 512:(s + 1) * 512] = sector('HOSTILE-GOOD', s, 1)
vv = b''.join(sector('VICTIM', s) for s in range(2048))
print('vh', 'ok' if d[MiB:2 * MiB] == bytes(vh) else 'differs')
print('vv', 'ok' if d[2 * MiB:3 * MiB] == vv else 'differs')
print('vr', 'ok' if d[3 * MiB:4 * MiB] == b'TESSERA-READONLY' * 65536 else 'differs')
print('rest', 'ok' if d[4 * MiB:] == bytes(len(d) - 4 * MiB) else 'differs')
print('evil', sum(1 for i in range(0, len(d), 512) if d[i:i + 512] == b'E' * 512))
PY
)
check "host: the image" "$res" "vh ok
vv ok
vr ok
rest ok
evil 0"
finish

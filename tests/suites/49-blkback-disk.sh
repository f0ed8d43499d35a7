#!/usr/bin/env bash
# blkback on a real (QEMU) virtio-blk function under the Intel IOMMU: the
# service runtime hosting blkback is the first domain, given 00:04.0
# (dom0_pci=, docs/devices.md).  Boot 1 formats the VBD map on a blank image
# and runs VBD commands; the host checks the map copies in the image (magic,
# generation, CRC-32, names); boot 2 finds the same map and changes it again.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
p=0 f=0
chk() { if eval "$2"; then echo "ok - $1"; p=$((p + 1)); else echo "FAIL - $1"; f=$((f + 1)); fi; }
img=$O/test-logs/blkback-disk.img
mkdir -p "$O/test-logs"
rm -f "$img"
truncate -s 64M "$img"
boot() { # N COMMANDS-FILE
  local log=$O/test-logs/blkback-disk-$1.serial
  bash scripts/qemu.sh --kernel "$O/tessera.elf" --append "dom0_pci=0000:00:04.0" \
    --module "$O/servers/runtime.elf:restart=never name=blkback" \
    --module "$O/servers/blkback:pci=0000:00:04.0 commands=/boot/cmds" \
    --module "$2:cmds" \
    --qemu-arg -device --qemu-arg intel-iommu,intremap=on \
    --qemu-arg -drive --qemu-arg "file=$img,if=none,id=vd0,format=raw,cache=writeback" \
    --qemu-arg -device --qemu-arg "virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
    --timeout 120 --log "$log" >/dev/null 2>&1
  local rc=$?
  sed -i 's/\r$//' "$log"
  chk "boot $1: the domain ended and QEMU with it" "[ $rc -eq 0 ]"
  LOG=$log
}
has() { grep -qxF -- "(d0) $1" "$LOG"; }
cmds=$(mktemp)
printf 'create data 8M\ncreate small 1\ngrow data 12M\ncreate toolarge 1G\nlist\nexit\n' >"$cmds"
boot 1 "$cmds"
chk "boot 1: blkback finds the disk (64 MiB, flush, MSI-X) and formats an empty map" \
  "has 'blkback: disk 0000:00:04.0: 64 MiB, write cache (flush), 2 vectors, map generation 0, 0 vbds'"
chk "boot 1: create data 8M" "has 'ok data 8 MiB, 1 extent, detached'"
chk "boot 1: create small 1 (rounded to 1 MiB)" "has 'ok small 1 MiB, 1 extent, detached'"
chk "boot 1: grow data 12M (a second extent after small)" "has 'ok data 12 MiB, 2 extents, detached'"
chk "boot 1: a VBD larger than the disk is refused" "has 'error: not enough free space on the disk for 1024 MiB'"
chk "boot 1: list" "has 'ok 2 vbds' && has 'data 12 MiB, 2 extents, detached' && has 'small 1 MiB, 1 extent, detached'"
chk "boot 1: blkback exits cleanly" "has 'blkback: exit' && grep -qF 'runtime: program exited with status 0' '$LOG'"
chk "boot 1: no DMA fault, no refused config write" "! grep -qE 'DMA fault|config write .* refused' '$LOG'"
# The map as the host sees it: copy 1 (sector 256) holds generation 3.
chk "host: the newest map copy (generation 3, CRC-32 good) names data and small" "python3 - '$img' <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read(1 << 20)
best = None
for off in (128 * 512, 256 * 512):
    c = bytearray(d[off:off + 65536])
    magic, ver, crc, gen, size, n = struct.unpack_from('<8sIIQQI', c, 0)
    c[12:16] = bytes(4)
    if magic == b'TSRVBDM1' and zlib.crc32(bytes(c)) == crc and (best is None or gen > best[0]):
        names = [c[40 + i * 552:40 + i * 552 + 32].split(b'\0')[0].decode() for i in range(n)]
        best = (gen, size, names)
sys.exit(0 if best == (3, 131072, ['data', 'small']) else 1)
PY"
printf 'list\ndelete small\ncreate more 2M\nlist\nexit\n' >"$cmds"
boot 2 "$cmds"
chk "boot 2: the map is found again (generation 3, 2 vbds)" \
  "has 'blkback: disk 0000:00:04.0: 64 MiB, write cache (flush), 2 vectors, map generation 3, 2 vbds'"
chk "boot 2: delete small, create more 2M (first fit reuses small's MiB and the next)" \
  "has 'ok deleted small' && has 'ok more 2 MiB, 2 extents, detached'"
rm -f "$cmds"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

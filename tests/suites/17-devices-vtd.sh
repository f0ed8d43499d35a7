#!/usr/bin/env bash
# Device delegation under QEMU's Intel IOMMU (q35, intel-iommu,intremap=on): the
# conformance guest conform-devices is the first domain and is given a virtio-blk
# function (dom0_pci=0000:00:04.0, disable-legacy=on,iommu_platform=on) backed by
# a raw image made here.  Besides the guest's own checks: every DMA the guest
# expected to be blocked appears as a logged VT-d fault, and the config writes it
# tried were logged as refused.  See docs/devices.md.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
img=$O/test-logs/devices-vtd.img
mkdir -p "$O/test-logs"
python3 - "$img" <<'PY'
import sys
sec = b"TESSERA-DEVTEST!" + bytes((i * 7) & 0xff for i in range(16, 512))
open(sys.argv[1], "wb").write(sec + bytes(1024 * 1024 - 512))
PY
out=$(CONFORM_APPEND="dom0_pci=0000:00:04.0" \
  CONFORM_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
  bash guests/run-conform.sh conform-devices)
rc=$?
echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
log=$O/test-logs/conform-devices.serial.log
p=0 f=0
chk() { if eval "$2"; then echo "ok - devices-vtd: $1"; p=$((p + 1)); else echo "FAIL - devices-vtd: $1"; f=$((f + 1)); fi; }
chk "the IOMMU came up with interrupt remapping" "grep -q 'iommu: VT-d at .*interrupt remapping on' '$log'"
chk "00:04.0 assigned to the first domain" "grep -q 'pci 00:04.0 assigned to domain 0' '$log'"
addrs=$(sed -n 's/^(d0) # expect-dma-fault \([0-9a-f]*\).*/\1/p' "$log" | tr -d '\r')
chk "four blocked DMAs announced by the guest" "[ $(echo "$addrs" | grep -c .) -eq 4 ]"
for a in $addrs; do
  chk "VT-d fault logged for a write to $a" "grep -q 'DMA fault: device 00:04.0 write $a reason' '$log'"
done
chk "BAR move logged as refused" "grep -q 'pci 00:04.0: d0 config write .* to 0x20 refused' '$log'"
chk "MSI-X enable logged as refused" "grep -q 'pci 00:04.0: d0 config write 0x80' '$log'"
chk "write to another function logged as refused" "grep -q 'pci 00:02.0: d0 config write 0x7 to 0x4 refused' '$log'"
chk "function released when the domain went" "grep -q 'pci 00:04.0 released by domain 0' '$log'"
chk "image unchanged (sector 0)" "python3 -c \"import sys; d=open('$img','rb').read(512); sys.exit(d[:16]!=b'TESSERA-DEVTEST!')\""
# Without an IOMMU the assignment is refused, unless iommu=off-unsafe says otherwise.
nolog=$O/test-logs/devices-noiommu.serial.log
bash scripts/qemu.sh --kernel "$O/tessera.elf" --module "$O/guests/conform-version.elf" --append "dom0_pci=0000:00:04.0" \
  --qemu-arg -drive --qemu-arg "file=$img,if=none,id=vd0,format=raw" \
  --qemu-arg -device --qemu-arg "virtio-blk-pci,drive=vd0,disable-legacy=on,addr=04.0" --timeout 120 --log "$nolog" >/dev/null 2>&1
chk "no IOMMU: assignment refused (-EOPNOTSUPP)" "grep -q 'dom0_pci: entry refused (-95)' '$nolog' && ! grep -q 'assigned to domain' '$nolog'"
chk "no IOMMU: the guest still ran" "grep -q 'hypervisor still running' '$nolog'"
bash scripts/qemu.sh --kernel "$O/tessera.elf" --module "$O/guests/conform-version.elf" \
  --append "dom0_pci=0000:00:04.0 iommu=off-unsafe" \
  --qemu-arg -drive --qemu-arg "file=$img,if=none,id=vd0,format=raw" \
  --qemu-arg -device --qemu-arg "virtio-blk-pci,drive=vd0,disable-legacy=on,addr=04.0" --timeout 120 --log "$nolog" >/dev/null 2>&1
chk "iommu=off-unsafe: assigned, unconfined, said so" "grep -q 'pci 00:04.0 assigned to domain 0 (no IOMMU: DMA unconfined)' '$nolog'"
sum=$(echo "$out" | tail -n 1)
gp=${sum%% passed*}; gf=${sum#*, }; gf=${gf%% failed}
echo "$((gp + p)) passed, $((gf + f)) failed"
[ $rc -eq 0 ] && [ $f -eq 0 ]

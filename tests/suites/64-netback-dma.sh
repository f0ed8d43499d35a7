#!/usr/bin/env bash
# Driver-domain DMA confinement for netback's NIC (issue 15): under QEMU's
# Intel IOMMU, the virtio-net function 00:05.0 (disable-legacy,
# iommu_platform, user networking restricted) is given to a driver domain
# as netback's is (capabilities IO, pci = [ ... ]); its program
# (servers/dmaprobe) drives the device through the same transport as
# netback's driver and has it read a transmit buffer in a page of the
# domain's own (sent: completed), then at the hypervisor's frame at 1 MiB
# and at an address past the machine's memory: each is blocked, the core
# logs the IOMMU's fault for exactly that address, and nothing crashes.
# Then the same again as domain 30010 (issue 19: any domain id to 0x7FEF may
# hold devices, the VT-d domain id being the core's own choice): the device is
# released when the first ends and given to it, the same reads complete and fault.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 64d 64-netback-dma.serial
. tests/netback/lib.sh
QEMU_ARGS="-device intel-iommu,intremap=on
  -netdev user,id=n0,restrict=on
  -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0" \
QEMU_TIMEOUT=400 nb_boot dmaprobe dmaprobe.cfg
nb_create dmaprobe.cfg dmaprobe
id=$ID
wait_line "(d0) (d$id) dmaprobe: done" 120 || finish
wait_re "^tessera: pci 00:05\.0 assigned to domain $id$" 1
check "the device read the domain's own page" "$(slog | sed -n "s/^(d0) (d$id) dmaprobe: own page: //p")" "completed"
addrs=$(slog | sed -n "s/^(d0) (d$id) dmaprobe: expect-dma-fault read \([0-9a-f]*\)$/\1/p")
check "two blocked reads announced" "$(echo $addrs)" "100000 40000000"
for a in $addrs; do
  wait_re "^tessera: iommu: DMA fault: device 00:05\.0 read $a reason 0x[0-9a-f]+, blocked$" 10
done
n=$(slog | grep -c "DMA fault: device 00:05.0")
check "no other DMA fault of 00:05.0" "$n" 2
check "the unit offers 65536 VT-d domain ids (QEMU's ND = 6)" \
  "$(slog | sed -nE 's/^tessera: iommu: VT-d at .*, ([0-9]+) domain ids$/\1/p')" 65536
# dmaprobe ends when done: its domain goes, and with it the device
wait_re "^tessera: pci 00:05\.0 released by domain $id$" 30
check "xl create dmaprobe.cfg domid=30010" "$(xl create dmaprobe.cfg domid=30010)" "created domain 30010 (dmaprobe)"
wait_line "(d0) (d30010) dmaprobe: done" 120 || finish
wait_re "^tessera: pci 00:05\.0 assigned to domain 30010$" 1
check "domain 30010: the device read the domain's own page" \
  "$(slog | sed -n "s/^(d0) (d30010) dmaprobe: own page: //p")" "completed"
addrs=$(slog | sed -n "s/^(d0) (d30010) dmaprobe: expect-dma-fault read \([0-9a-f]*\)$/\1/p")
check "domain 30010: two blocked reads announced" "$(echo $addrs)" "100000 40000000"
wait_more "^tessera: iommu: DMA fault: device 00:05\.0 read " 3 30
check "domain 30010: its two reads faulted too, nothing else" "$(slog | grep -c "DMA fault: device 00:05.0")" 4
wait_re "^tessera: pci 00:05\.0 released by domain 30010$" 30
slog | grep -qE "runtime: program killed|PANIC" && fail "a crash in the log" || ok "no crash"
finish

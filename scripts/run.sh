#!/usr/bin/env bash
# make run: builds what the system needs (not the host tools or unit tests),
# fetches Debian's cloud kernel and makes the guest's initramfs (cached in
# $O/linux), makes the boot ISO and the disk (boot/boot.mk) and boots it in
# QEMU with 1 GiB, an IOMMU, a virtio-blk disk and a virtio-net NIC: the
# hypervisor, the domain builder, the xenstore domain, blkback, a Linux guest
# with a shell, netback and an lwIP web guest (the host reaches it on
# 127.0.0.1:8080, RUN_HTTP_PORT, and its echo on 8007, RUN_ECHO_PORT; the
# Linux guest's port 80 on 127.0.0.1:8081, RUN_LINUX_PORT).  COM2
# is a Unix socket, $O/com2.sock, for scripts/xl.
#   scripts/run.sh                      interactive: the serial console on stdio
#   scripts/run.sh --log FILE [--timeout S] [--com2 SOCKET] [--disk IMG]
#                                       in the background for tests (tests/suites/62-first-hour.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build}
export O
log= timeout=600 sock=$O/com2.sock disk=$O/disk.img
while [ $# -gt 0 ]; do
  case "$1" in
    --log) log=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --com2) sock=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
say() { echo "make run: $*"; }

say "building the hypervisor, the service runtime and the service programs"
make --no-print-directory -s system
say "fetching the kernel package (Debian's cloud kernel, once; cached in $O/linux)"
bash guests/linux/fetch.sh
say "making the guest's initramfs ($O/linux/initramfs.gz)"
bash guests/linux/initramfs.sh >/dev/null
say "making the boot ISO ($O/tessera.iso) and the disk ($disk)"
make --no-print-directory -s RUN_DISK="$disk" "$O/tessera.iso" "$disk"
read -r -a qargs <<<"$(make --no-print-directory -s RUN_DISK="$disk" run-args)"

com2=(--qemu-arg -chardev --qemu-arg "socket,id=c2,path=$sock,server=on,wait=off"
      --qemu-arg -device --qemu-arg isa-serial,chardev=c2)
if [ -n "$log" ]; then
  say "QEMU starting (serial log $log, COM2 $sock)"
  exec bash scripts/qemu.sh --iso "$O/tessera.iso" --timeout "$timeout" --log "$log" \
    "${qargs[@]}" "${com2[@]}"
fi
cat <<MSG
make run: QEMU starting; Ctrl-A X quits.  The serial console follows: the
  builder's log and its xl shell (type xl help).  In another terminal:
    scripts/xl list                              the domains
    scripts/xl console linux                     the Linux guest's shell (Ctrl-] leaves)
    scripts/xl create boot/examples/linux2.cfg   a second guest, from files on the host
    curl http://127.0.0.1:${RUN_HTTP_PORT:-8080}/               the lwIP guest's page (nc 127.0.0.1 ${RUN_ECHO_PORT:-8007}: its echo)
    curl http://127.0.0.1:${RUN_LINUX_PORT:-8081}/               the Linux guest's port 80 (busybox httpd, /www)
    scripts/xl console blkback                   VBD commands (create scratch 128M); then
    scripts/xl create boot/examples/linux-disk.cfg   a guest with that VBD as /dev/xvda
  (scripts/xl talks to the builder over COM2: $sock)
MSG
exec bash scripts/qemu.sh --iso "$O/tessera.iso" --interactive "${qargs[@]}" "${com2[@]}"

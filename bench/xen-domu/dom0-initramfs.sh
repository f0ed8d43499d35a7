#!/usr/bin/env bash
# Builds $O/linux-dom0/initramfs.gz: a Xen 4.17 dom0 for bench/xen-domu.sh made only
# of Debian packages — busybox-static, xen-utils-4.17's xenstored, xenconsoled,
# xen-init-dom0 and xl with the shared libraries they load (found with ldd), the
# generic kernel's xen-evtchn/gntdev/gntalloc/privcmd/xenfs modules (fetched by
# guests/linux/fetch.sh with FLAVOUR=amd64) — plus the domU it creates: Debian's
# cloud kernel and the test initramfs of guests/linux (the same guest Tessera runs).
# usage: dom0-initramfs.sh STEPS [EXTRA]   (the domU's tessera_steps, and more
#        parameters for its kernel command line, e.g. bench_NAME=N counts)
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
L="$O/linux"
D="$O/linux-dom0"
steps=${1:?usage: dom0-initramfs.sh STEPS [EXTRA]}
extra=${2:-}
die() { echo "dom0-initramfs.sh: $*" >&2; exit 1; }
mods="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs"
# DOMU_DISK=/dev/vda gives the domU that dom0 disk as xvda through Linux's
# blkback (bench/blkback.sh): the virtio-blk and xen-blkback modules (loaded
# in this order by dom0-init), a minimal hotplug script
# (/etc/xen/scripts/block) and xenstore-write come along.  OUT names the
# result (default $D/initramfs.gz).
disk=${DOMU_DISK:-}
dmods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk xen-blkback"
[ -n "$disk" ] && mods="$mods $dmods"
FLAVOUR=amd64 DST="$D" MODULES="$mods" bash guests/linux/fetch.sh >&2 || die "fetching the dom0 kernel failed"
bash guests/linux/fetch.sh >&2 && bash guests/linux/initramfs.sh >&2 || die "the domU kernel or initramfs"
bb=$(dpkg -L busybox-static | grep -E '/bin/busybox$' | head -n 1)
xb=/usr/lib/xen-4.17/bin
tools="$xb/xl $xb/xenstored $xb/xenconsoled $xb/xenconsole $xb/xen-init-dom0"
[ -n "$disk" ] && tools="$tools /usr/bin/xenstore-write /usr/bin/xenstore-read"
for t in $tools; do [ -x "$t" ] || die "$t missing (scripts/deps.sh installs xen-utils-4.17)"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-dom0.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "$steps" >"$work/steps"
echo "$extra" >"$work/extra"
cat >"$work/domu.cfg" <<CFG
name = "linux"
kernel = "/domu/vmlinuz"
ramdisk = "/domu/initramfs.gz"
memory = 256
vcpus = 1
on_poweroff = "destroy"
CFG
[ -n "$disk" ] && echo "disk = [ \"format=raw, vdev=xvda, access=rw, target=$disk\" ]" >>"$work/domu.cfg"
# libxl runs /etc/xen/scripts/block for a phy disk; Linux's blkback waits for
# the physical-device node it writes (major:minor in hex)
cat >"$work/block" <<'SH'
#!/bin/sh
[ "$1" = add ] || exit 0
dev=$(/usr/bin/xenstore-read "$XENBUS_PATH/params")
/usr/bin/xenstore-write "$XENBUS_PATH/physical-device" "$(stat -L -c %t:%T "$dev")" \
  "$XENBUS_PATH/physical-device-path" "$dev" "$XENBUS_PATH/hotplug-status" connected
SH
libs=$(ldd $tools | awk '/=>/ {print $3} /ld-linux/ {print $1}' | grep '^/' | sort -u)
{
  for d in bin sbin dev proc sys run tmp etc var lib lib64 lib/modules domu usr usr/lib \
           usr/lib/xen-4.17 usr/lib/xen-4.17/bin lib/x86_64-linux-gnu usr/bin etc/xen etc/xen/scripts; do
    echo "dir /$d 755"
  done
  echo "nod /dev/console 600 c 5 1"
  echo "nod /dev/null 666 c 1 3"
  echo "file /init bench/xen-domu/dom0-init 755"
  echo "file /bin/busybox $bb 755"
  echo "slink /bin/sh busybox"
  for t in $tools; do echo "file $t $t 755"; done
  for l in $libs; do echo "file $l $(readlink -f "$l") 755"; done
  for m in $mods; do echo "file /lib/modules/$m.ko $D/modules/$m.ko 644"; done
  echo "file /domu/vmlinuz $L/vmlinuz 644"
  echo "file /domu/initramfs.gz $L/initramfs.gz 644"
  echo "file /domu/domu.cfg $work/domu.cfg 644"
  echo "file /domu/steps $work/steps 644"
  echo "file /domu/extra $work/extra 644"
  if [ -n "$disk" ]; then
    echo "file /etc/xen/scripts/block $work/block 755"
    echo "$dmods" | tr ' ' '\n' >"$work/modules"
    echo "file /domu/modules $work/modules 644"
  fi
} >"$work/spec"
python3 guests/linux/mkcpio.py <"$work/spec" | gzip -6 -n >"$work/initramfs.gz"
res=${OUT:-$D/initramfs.gz}
mv "$work/initramfs.gz" "$res"
echo "dom0-initramfs.sh: $res ($(stat -c %s "$res") bytes)"

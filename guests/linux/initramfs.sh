#!/usr/bin/env bash
# Builds $O/linux/initramfs.gz (cpio newc, gzip): busybox from Debian's
# busybox-static, guests/linux/init as /init, the benchmark programs
# (bench/linux/*.c, static musl) in /bench, and the xen-netfront/blkfront
# modules fetched by guests/linux/fetch.sh in /lib/modules/RELEASE/.
# usage: initramfs.sh [STEPS]   (STEPS: the default /etc/tessera.steps,
#                                comma-separated; default "uname,date,shell")
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
dst="$O/linux"
steps=${1:-uname,date,shell}
die() { echo "initramfs.sh: $*" >&2; exit 1; }

bb=$(dpkg -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n 1) ||
  die "busybox-static is not installed (scripts/deps.sh installs it)"
[ -x "$bb" ] || die "no busybox binary in busybox-static"
[ -s "$dst/release" ] || bash guests/linux/fetch.sh >&2 || die "fetch.sh failed"
release=$(cat "$dst/release")
benches=$(ls bench/linux/*.c | sed 's#bench/linux/\(.*\)\.c#\1#')
make --no-print-directory -s O="$O" $(for b in $benches; do echo "$O/linux/bench/$b"; done) >&2 ||
  die "building the benchmark programs failed"

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "$steps" | tr ',' '\n' >"$work/steps"
{
  for d in bin sbin dev proc sys run tmp etc bench lib lib/modules "lib/modules/$release"; do
    echo "dir /$d 755"
  done
  echo "nod /dev/console 600 c 5 1"
  echo "nod /dev/null 666 c 1 3"
  echo "file /init guests/linux/init 755"
  echo "file /bin/busybox $bb 755"
  echo "slink /bin/sh busybox"
  echo "file /etc/tessera.steps $work/steps 644"
  for b in $benches; do echo "file /bench/$b $O/linux/bench/$b 755"; done
  for m in xen-netfront xen-blkfront; do
    echo "file /lib/modules/$release/$m.ko $dst/modules/$m.ko 644"
  done
} >"$work/spec"
python3 guests/linux/mkcpio.py <"$work/spec" | gzip -9 -n >"$work/initramfs.gz"
mv "$work/initramfs.gz" "$dst/initramfs.gz"
echo "initramfs.sh: $dst/initramfs.gz ($(stat -c %s "$dst/initramfs.gz") bytes, steps $steps)"

#!/usr/bin/env bash
# Builds $O/linux/initramfs.gz (cpio newc, gzip): busybox from Debian's
# busybox-static, guests/linux/init as /init, the benchmark programs
# (bench/linux/*.c, static musl) in /bench, and the xen-netfront/blkfront
# modules fetched by guests/linux/fetch.sh in /lib/modules/RELEASE/.
# usage: initramfs.sh [STEPS]   (STEPS: the default /etc/tessera.steps,
#                                comma-separated; default "uname,date,shell")
# SPEC=FILE writes only the spec (the kernel's gen_init_cpio format, absolute
# paths; the steps file beside it) and no modules: guests/tinyx/build.sh builds
# it into its kernel.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
dst="$O/linux"
steps=${1:-uname,date,shell}
die() { echo "initramfs.sh: $*" >&2; exit 1; }

bb=$(dpkg -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n 1) ||
  die "busybox-static is not installed (scripts/deps.sh installs it)"
[ -x "$bb" ] || die "no busybox binary in busybox-static"
spec_only=${SPEC:-}
if [ -z "$spec_only" ]; then
  [ -s "$dst/release" ] || bash guests/linux/fetch.sh >&2 || die "fetch.sh failed"
  release=$(cat "$dst/release")
fi
benches=$(ls bench/linux/*.c | sed 's#bench/linux/\(.*\)\.c#\1#')
make --no-print-directory -s O="$O" $(for b in $benches; do echo "$O/linux/bench/$b"; done) >&2 ||
  die "building the benchmark programs failed"

if [ -n "$spec_only" ]; then
  work=$(dirname "$spec_only")
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-initramfs.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
echo "$steps" | tr ',' '\n' >"$work/steps"
top=$PWD
{
  for d in bin sbin dev proc sys run tmp etc bench lib; do echo "dir /$d 755"; done
  echo "nod /dev/console 600 c 5 1"
  echo "nod /dev/null 666 c 1 3"
  echo "file /init $top/guests/linux/init 755"
  echo "file /bin/busybox $bb 755"
  echo "slink /bin/sh busybox"
  echo "file /etc/tessera.steps $(realpath "$work/steps") 644"
  for b in $benches; do echo "file /bench/$b $(realpath "$O/linux/bench/$b") 755"; done
  if [ -z "$spec_only" ]; then
    echo "dir /lib/modules 755"
    echo "dir /lib/modules/$release 755"
    for m in xen-netfront xen-blkfront; do
      echo "file /lib/modules/$release/$m.ko $(realpath "$dst/modules/$m.ko") 644"
    done
  fi
} >"$work/spec"
if [ -n "$spec_only" ]; then
  [ "$work/spec" -ef "$spec_only" ] || mv "$work/spec" "$spec_only"
  exit 0
fi
python3 guests/linux/mkcpio.py <"$work/spec" | gzip -9 -n >"$work/initramfs.gz"
mv "$work/initramfs.gz" "$dst/initramfs.gz"
echo "initramfs.sh: $dst/initramfs.gz ($(stat -c %s "$dst/initramfs.gz") bytes, steps $steps)"

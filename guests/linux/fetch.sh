#!/usr/bin/env bash
# Takes the newest Debian cloud kernel (linux-image-*-cloud-amd64, the package
# the linux-image-cloud-amd64 metapackage depends on) from Debian's archive
# with apt-get download, and caches under $O/linux/ (default build/linux/):
#   vmlinuz            the bzImage as shipped
#   vmlinux            its ELF, unpacked by the project's own decompressor
#                      ($O/host/linux/unpack-kernel = servers/lib/decompress)
#   modules/xen-netfront.ko, modules/xen-blkfront.ko
#   release            kernel release (uname -r), e.g. 6.1.0-56-cloud-amd64
#   version            Debian package version, e.g. 6.1.192-2
# Idempotent: when the cache holds the candidate apt knows, it only checks it.
# Exits non-zero (with a message) when anything cannot be had.
# FLAVOUR=amd64 DST=DIR MODULES="m1 m2" fetch the generic kernel (a Xen dom0 for
# bench/xen-domu.sh) into DIR with those modules instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
flavour=${FLAVOUR:-cloud-amd64}
dst=${DST:-$O/linux}
modules=${MODULES:-xen-netfront xen-blkfront}
mkdir -p "$dst"
die() { echo "fetch.sh: $*" >&2; exit 1; }

meta=linux-image-$flavour
depends() { apt-cache depends "$meta" 2>/dev/null | sed -n -E "s/^ *Depends: (linux-image-[^ ]*-$flavour)\$/\1/p" | head -n 1; }
pkg=$(depends)
if [ -z "$pkg" ]; then
  # no package lists yet: fetch them (needs root)
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  pkg=$(depends)
fi
[ -n "$pkg" ] || die "apt knows no dependency of $meta (is Debian's archive in the apt sources?)"
ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
[ -n "$ver" ] || die "no version for $pkg"
release=${pkg#linux-image-}

unpack="$O/host/linux/unpack-kernel"
if [ ! -x "$unpack" ]; then
  make --no-print-directory -s O="$O" "$unpack" >&2 || die "cannot build $unpack"
fi

have_modules() { for m in $modules; do [ -s "$dst/modules/$m.ko" ] || return 1; done; }
if [ -s "$dst/vmlinuz" ] && [ -s "$dst/vmlinux" ] && have_modules &&
   [ "$(cat "$dst/version" 2>/dev/null)" = "$ver" ] &&
   [ "$(cat "$dst/release" 2>/dev/null)" = "$release" ]; then
  echo "fetch.sh: $pkg $ver cached in $dst"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tessera-linux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
echo "fetch.sh: downloading $pkg $ver" >&2
(cd "$tmp" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$tmp/apt.err") ||
  { cat "$tmp/apt.err" >&2; die "apt-get download $pkg=$ver failed"; }
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no .deb after apt-get download"
dpkg-deb -x "$deb" "$tmp/x" || die "dpkg-deb -x $deb failed"
[ -s "$tmp/x/boot/vmlinuz-$release" ] || die "no boot/vmlinuz-$release in $deb"
mkdir -p "$dst/modules"
for m in $modules; do
  f=$(find "$tmp/x/lib/modules/$release" -name "$m.ko*" | head -n 1)
  [ -n "$f" ] || die "no $m module in $deb"
  case "$f" in
    *.ko) cp "$f" "$dst/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$f" >"$dst/modules/$m.ko" ;;
    *) die "unexpected module file $f" ;;
  esac
done
cp "$tmp/x/boot/vmlinuz-$release" "$dst/vmlinuz"
cp "$tmp/x/boot/config-$release" "$dst/config" 2>/dev/null || true
"$unpack" "$dst/vmlinuz" "$tmp/vmlinux" >"$tmp/unpack.out" || die "unpacking vmlinuz failed"
mv "$tmp/vmlinux" "$dst/vmlinux"
echo "$release" >"$dst/release"
echo "$ver" >"$dst/version"
echo "fetch.sh: $pkg $ver -> $dst ($(cat "$tmp/unpack.out"))"

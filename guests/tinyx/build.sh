#!/usr/bin/env bash
# Builds Tinyx, a small Xen PV Linux guest, from Debian's linux-source-6.1
# (apt-get download, never installed): Linux's tinyconfig plus
# guests/tinyx/tinyx.config, with the test initramfs (guests/linux/init,
# busybox-static, the benchmark programs: guests/linux/initramfs.sh SPEC=,
# packed by guests/linux/mkcpio.py) built into the kernel as a .cpio.gz.  Output: $O/tinyx/vmlinuz (the bzImage), config,
# release.
#
# The build is cached outside the work tree, so a fresh clone (CI) does not
# rebuild the kernel: $TESSERA_CACHE (default ~/.cache/tessera) holds the
# unpacked source per Debian version and its object tree (the configuration
# is made anew each time from tinyconfig and tinyx.config; Kbuild rebuilds
# only what a changed option touches); a kernel is kept per hash of
# everything that goes into it.  The first build takes 15-60 minutes on these
# 2 cores (depending on their load); a changed /init only relinks.  Exits non-zero, with the build log's tail, when anything fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
cache=${TESSERA_CACHE:-$HOME/.cache/tessera}
die() { echo "tinyx/build.sh: $*" >&2; exit 1; }

pkg=linux-source-6.1
ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
if [ -z "$ver" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
fi
[ -n "$ver" ] || die "apt knows no $pkg (is Debian's archive in the apt sources?)"
for tool in flex bison make gcc bc; do command -v $tool >/dev/null || die "no $tool (scripts/deps.sh installs it)"; done
[ -e /usr/include/gelf.h ] || die "no libelf-dev (scripts/deps.sh installs it)"

src="$cache/$pkg-$ver"
if [ ! -e "$src/.unpacked" ]; then
  echo "tinyx: unpacking $pkg $ver into $src" >&2
  rm -rf "$src" "$src.tmp" && mkdir -p "$src.tmp"
  (cd "$src.tmp" && apt-get download "$pkg=$ver" >/dev/null 2>&1) || die "apt-get download $pkg=$ver failed"
  dpkg-deb --fsys-tarfile "$src.tmp"/*.deb | tar -x -C "$src.tmp" ./usr/src/$pkg.tar.xz ||
    die "cannot unpack the .deb"
  tar -xJf "$src.tmp/usr/src/$pkg.tar.xz" -C "$src.tmp" || die "cannot unpack $pkg.tar.xz"
  mv "$src.tmp/$pkg" "$src" && rm -rf "$src.tmp" && touch "$src/.unpacked"
fi

obj="$cache/tinyx-obj-$ver"
mkdir -p "$obj" "$O/tinyx"
SPEC="$obj/initramfs.spec" bash guests/linux/initramfs.sh uname,date,shell ||
  die "guests/linux/initramfs.sh SPEC= failed"

# The kernel's key: the source, the options, and every file the initramfs holds.
key=$({ echo "$ver"; cat guests/tinyx/tinyx.config guests/tinyx/build.sh;
        awk '$1 == "file" { print $3 }' "$obj/initramfs.spec" | xargs cat; } |
      sha256sum | cut -c1-16)
kept="$cache/tinyx-$key"
if [ ! -s "$kept/vmlinuz" ]; then
  log="$obj/build.log"
  echo "tinyx: building Linux $ver (tinyconfig + tinyx.config) in $obj" >&2
  {
    make -C "$src" O="$obj" tinyconfig
    "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" guests/tinyx/tinyx.config
    python3 guests/linux/mkcpio.py <"$obj/initramfs.spec" | gzip -9 -n >"$obj/initramfs.cpio.gz"
    "$src/scripts/config" --file "$obj/.config" --set-str INITRAMFS_SOURCE "$obj/initramfs.cpio.gz"
    make -C "$src" O="$obj" olddefconfig
    make -C "$src" O="$obj" -j"$(nproc)" bzImage
  } >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "the kernel build failed (log: $log)"; }
  for o in $(grep -o '^CONFIG_[A-Z0-9_]*=y' guests/tinyx/tinyx.config); do
    grep -qx "$o" "$obj/.config" || die "$o did not hold in the kernel's configuration"
  done
  mkdir -p "$kept.tmp"
  cp "$obj/arch/x86/boot/bzImage" "$kept.tmp/vmlinuz"
  cp "$obj/.config" "$kept.tmp/config"
  make -s -C "$src" O="$obj" kernelrelease >"$kept.tmp/release"
  rm -rf "$kept" && mv "$kept.tmp" "$kept"
fi
cp "$kept/vmlinuz" "$kept/config" "$kept/release" "$O/tinyx/"
echo "tinyx: $O/tinyx/vmlinuz ($(stat -c %s "$O/tinyx/vmlinuz") bytes, Linux $(cat "$O/tinyx/release"), cache $kept)"

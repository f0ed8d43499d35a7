#!/usr/bin/env bash
# Installs, with apt-get, every Debian package Tessera needs to build, test and run.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail
pkgs=(
  build-essential gcc make binutils dpkg-dev
  qemu-system-x86 qemu-utils
  grub-pc-bin grub-common xorriso mtools
  libxen-dev xenstore-utils
  musl-tools
  clang lld llvm libclang-rt-14-dev
  python3 python3-matplotlib
  busybox-static zstd xz-utils lz4 gzip cpio bc
  flex bison libelf-dev
  e2fsprogs
  git clang-format procps
  xen-utils-4.17 xen-hypervisor-4.17-amd64 xen-hypervisor-4.17-amd64-dbg
)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

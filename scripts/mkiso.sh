#!/usr/bin/env bash
# Makes a GRUB2 rescue ISO that boots Tessera with multiboot2.
#   mkiso.sh OUT.iso HYPERVISOR.elf [--cmdline "hv args"] [MODULE[:ARGS]]...
# The first module is the first domain's kernel; each module's command line starts
# with its file name (the hypervisor drops the first word), as with qemu -initrd.
set -euo pipefail
out=$1 hv=$2; shift 2
cmdline=""
if [ "${1:-}" = --cmdline ]; then cmdline=$2; shift 2; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$hv" "$dir/boot/tessera.elf"
{
  echo 'set timeout=0'
  echo 'set default=0'
  echo 'serial --unit=0 --speed=115200'
  echo 'terminal_output serial console'
  echo 'menuentry "Tessera" {'
  echo "  multiboot2 /boot/tessera.elf $cmdline"
  for m in "$@"; do
    f=${m%%:*}; a=; [ "$m" != "$f" ] && a=" ${m#*:}"
    b=$(basename "$f")
    cp "$f" "$dir/boot/$b"
    echo "  module2 /boot/$b $b$a"
  done
  echo '  boot'
  echo '}'
} >"$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1

#!/usr/bin/env bash
# Boots Tessera in QEMU and captures the serial log.
#   qemu.sh --kernel ELF [--module FILE[:ARGS]]... [--append CMDLINE]   (multiboot1 -kernel)
#   qemu.sh --iso ISO                                                 (GRUB2, multiboot2)
# Options: --timeout SECS (default 120), --log FILE, --interactive, --smp N, --mem MiB,
#          --qemu-arg ARG (repeatable).
# Non-interactive runs pass "exit_when_idle" so the hypervisor ends QEMU once no domain is
# left; the script exits 0 if the log has "hypervisor still running", 1 otherwise (timeout).
# TESSERA_APPEND adds hypervisor options to every -kernel boot (e.g. "nosmap" to run the
# suites with SMAP off). Acceleration: TESSERA_ACCEL=kvm|tcg forces one; by default KVM is used only where it is
# hardware-assisted (kvm_intel/kvm_amd loaded), never the kvm_pvm flavour.
set -u
kernel= iso= append= timeout=120 log= interactive=0 smp=1 mem=256
mods=() extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --module) mods+=("$2"); shift 2 ;;
    --append) append=$2; shift 2 ;;
    --iso) iso=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --interactive) interactive=1; shift ;;
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --qemu-arg) extra+=("$2"); shift 2 ;;
    *) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

accel=${TESSERA_ACCEL:-}
if [ -z "$accel" ]; then
  if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
    accel=kvm
  else
    accel=tcg
  fi
fi
if [ "$accel" = kvm ]; then cpu=(-accel kvm -cpu host); else cpu=(-accel tcg -cpu max,la57=off); fi

args=(-machine q35 "${cpu[@]}" -m "$mem" -smp "$smp" -display none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ -n "$iso" ]; then
  args+=(-cdrom "$iso" -boot d)
else
  [ $interactive -eq 1 ] || append="$append exit_when_idle"
  append="$append ${TESSERA_APPEND:-}"
  initrd=
  for m in "${mods[@]}"; do
    f=${m%%:*}; a=; [ "$m" != "$f" ] && a=" ${m#*:}"
    initrd+="${initrd:+,}$f$a"          # QEMU puts the path first, as GRUB puts the name
  done
  args+=(-kernel "$kernel" -append "$append")
  [ -n "$initrd" ] && args+=(-initrd "$initrd")
fi
args+=("${extra[@]}")

if [ $interactive -eq 1 ]; then
  exec qemu-system-x86_64 "${args[@]}" -serial mon:stdio
fi
log=${log:-$(mktemp /tmp/tessera-serial.XXXXXX)}
: >"$log"
qemu-system-x86_64 "${args[@]}" -serial "file:$log" -monitor none &
qpid=$!
end=$(( $(date +%s) + timeout ))
while kill -0 $qpid 2>/dev/null; do
  if grep -q "hypervisor still running" "$log" 2>/dev/null; then sleep 0.2; break; fi
  if grep -q "tessera: PANIC" "$log" 2>/dev/null; then sleep 0.2; break; fi
  if [ "$(date +%s)" -ge $end ]; then echo "qemu.sh: timeout after ${timeout}s" >>"$log"; break; fi
  sleep 0.2
done
kill $qpid 2>/dev/null; wait $qpid 2>/dev/null
cat "$log"
grep -q "hypervisor still running" "$log"

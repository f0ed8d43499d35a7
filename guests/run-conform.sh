#!/usr/bin/env bash
# Boots one conformance guest on Tessera and turns its console output into suite output.
#   guests/run-conform.sh NAME            boot build/guests/NAME.elf with qemu -kernel (multiboot1)
#   guests/run-conform.sh NAME --iso      boot it from a GRUB2 ISO (multiboot2) via scripts/mkiso.sh
# CONFORM_APPEND adds hypervisor options, CONFORM_SMP sets the pCPU count (default 1),
# CONFORM_QEMU_ARGS (words) adds QEMU options.
# Prints the guest's check lines (the "(d0) " prefix stripped), then its own checks on the
# run (the guest finished, the hypervisor is still running), then one "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
name=$1; mode=${2:-kernel}
elf=$O/guests/$name.elf
mkdir -p "$O/test-logs"
log=$O/test-logs/$name${mode#kernel}.serial.log
: >"$log"
extra_p=0 extra_f=0
fail() { echo "FAIL - $name: $*"; extra_f=$((extra_f + 1)); }
ok()   { echo "ok - $name: $*"; extra_p=$((extra_p + 1)); }

hv=${TESSERA_ELF:-$O/tessera.elf}
if [ ! -f "$hv" ] || [ ! -f "$elf" ]; then
  fail "missing $hv or $elf (run make first)"
  echo "$extra_p passed, $extra_f failed"; exit 1
fi
if [ "$mode" = --iso ]; then
  iso=$O/test-logs/$name.iso
  if ! bash scripts/mkiso.sh "$iso" "$hv" "$elf" >"$log.mkiso" 2>&1; then
    fail "scripts/mkiso.sh failed: $(tail -n 3 "$log.mkiso" | tr '\n' ' ')"
    echo "$extra_p passed, $extra_f failed"; exit 1
  fi
  bash scripts/qemu.sh --iso "$iso" --timeout "${CONFORM_TIMEOUT:-120}" --log "$log" >/dev/null 2>&1
else
  qargs=()
  for a in ${CONFORM_QEMU_ARGS:-}; do qargs+=(--qemu-arg "$a"); done
  bash scripts/qemu.sh --kernel "$hv" --module "$elf" --append "${CONFORM_APPEND:-}" "${qargs[@]}" \
    --smp "${CONFORM_SMP:-1}" --timeout "${CONFORM_TIMEOUT:-120}" --log "$log" >/dev/null 2>&1
fi

# The guest's own lines: strip the console prefix, keep checks and comments.
sed -n 's/^(d0) //p' "$log" | tr -d '\r' | grep -E '^(ok|FAIL|#)' || true
summary=$(sed -n 's/^(d0) //p' "$log" | tr -d '\r' | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -z "$summary" ]; then
  # Count what it did print, then fail the run.
  p=$(sed -n 's/^(d0) //p' "$log" | grep -c '^ok - ' || true)
  f=$(sed -n 's/^(d0) //p' "$log" | grep -c '^FAIL - ' || true)
  fail "guest did not finish (no 'N passed, M failed' line); last log lines: $(tail -n 5 "$log" | tr '\n' '|')"
else
  ok "guest finished ($summary)"
  p=${summary%% passed*}; f=${summary#*, }; f=${f%% failed}
fi
if grep -q 'tessera: no domains left, hypervisor still running' "$log"; then
  ok "hypervisor still running after the guest shut down"
else
  fail "hypervisor did not print 'no domains left, hypervisor still running'$(grep -m1 -E 'PANIC|timeout' "$log" | sed 's/^/: /')"
fi
echo "$((p + extra_p)) passed, $((f + extra_f)) failed"
[ $((f + extra_f)) -eq 0 ]

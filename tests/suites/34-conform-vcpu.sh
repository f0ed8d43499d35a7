#!/usr/bin/env bash
# Conformance guest conform-vcpu (guests/conform/) as a 2-vCPU domain 0 on 2 pCPUs:
# VCPUOP_initialise with an unpinned L4 and its refusals, VCPUOP_up/down. Then the
# refusals of the dom0_max_vcpus option (the hypervisor stops with a clear message).
cd "$(dirname "$0")/../.."
O=${O:-build}
out=$(CONFORM_APPEND="dom0_max_vcpus=2" CONFORM_SMP=2 bash guests/run-conform.sh conform-vcpu)
echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
sum=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
p=${sum%% passed*}; f=${sum#*, }; f=${f%% failed}
[ -n "$sum" ] || { p=0; f=1; }
for bad in 0 9 2x; do
  log=$O/test-logs/conform-vcpu-bad-$bad.serial.log
  bash scripts/qemu.sh --kernel "$O/tessera.elf" --module "$O/guests/conform-vcpu.elf" \
    --append "dom0_max_vcpus=$bad" --timeout 60 --log "$log" >/dev/null 2>&1
  if grep -q "tessera: PANIC: dom0_max_vcpus=$bad: must be 1 to 8" "$log"; then
    echo "ok - dom0_max_vcpus=$bad refused: 'dom0_max_vcpus=$bad: must be 1 to 8'"; p=$((p + 1))
  else
    echo "FAIL - dom0_max_vcpus=$bad not refused clearly: $(grep -m1 -E 'PANIC|timeout' "$log")"; f=$((f + 1))
  fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

#!/usr/bin/env bash
# Conformance guest conform-ldt (guests/conform/) as a 2-vCPU domain 0
# (dom0_max_vcpus=2), booted twice: on 2 pCPUs (its vCPUs update trap tables and
# LDTs at once) and on 1 pCPU (they alternate, so LDTR is reloaded at each switch).
cd "$(dirname "$0")/../.."
p=0 f=0
for smp in 2 1; do
  out=$(CONFORM_APPEND="dom0_max_vcpus=2" CONFORM_SMP=$smp bash guests/run-conform.sh conform-ldt)
  echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$' | sed -E "s/^(ok|FAIL) - /\1 - smp$smp: /"
  sum=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -n "$sum" ]; then
    sp=${sum%% passed*}; sf=${sum#*, }; sf=${sf%% failed}
    p=$((p + sp)); f=$((f + sf))
  else
    echo "FAIL - smp$smp: no summary"; f=$((f + 1))
  fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

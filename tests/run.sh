#!/usr/bin/env bash
# Runs every suite in tests/suites/ (in name order) and sums their results.
# A suite prints one line per check and ends with "N passed, M failed"; a suite
# that exits non-zero or prints no summary counts as one extra failure.
# TESTS=pattern runs only suites whose file name matches the pattern.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
mkdir -p "$O/test-logs"
total_p=0; total_f=0
for s in tests/suites/*.sh; do
  name=$(basename "$s" .sh)
  [ "$name" = lib ] && continue          # the suites' shared helpers, not a suite
  if [ -n "${TESTS:-}" ] && ! [[ "$name" == *${TESTS}* ]]; then continue; fi
  log="$O/test-logs/$name.log"
  echo "== $name"
  start=$(date +%s)
  bash "$s" >"$log" 2>&1
  rc=$?
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  grep -E '^(FAIL|not ok)' "$log" | head -n 20 | sed 's/^/   /'
  if [ -z "$summary" ]; then
    echo "   no summary line (exit $rc); last lines of $log:"
    tail -n 15 "$log" | sed 's/^/   | /'
    total_f=$((total_f + 1))
  else
    p=${summary%% passed*}; f=${summary#*, }; f=${f%% failed}
    total_p=$((total_p + p)); total_f=$((total_f + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "   exit status $rc despite 0 failures"
      total_f=$((total_f + 1))
    fi
    echo "   $summary ($(( $(date +%s) - start ))s)"
  fi
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]

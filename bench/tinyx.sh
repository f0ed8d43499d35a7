#!/usr/bin/env bash
# Tinyx density (issue 19): tests/suites/61-tinyx.sh with TINYX_BENCH_N (default
# 100) Tinyx guests of 24 MiB (guests/tinyx/build.sh) running at once in one
# QEMU machine, created one after the other; as a Markdown table: the time from
# xl create to the guest's /init line for the 1st, 10th, 50th and last guest,
# the memory a booted Tinyx uses, the kernel's size, and the run's checks (all
# answer, all destroyed, free frames back to idle).  Prints Markdown on stdout.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${TINYX_BENCH_N:-100}
start=$(date +%s)
out=$(TINYX_N=$N bash tests/suites/61-tinyx.sh 2>&1)
rc=$?
echo "## Tinyx density: $N Linux guests of 24 MiB at once"
echo
bench_machine "$(( 512 + N * 32 ))"
echo
echo "| guest | xl create sent -> /init line |"
echo "|---|---|"
sed -nE 's/^# creation time of tinyx-([0-9]+) \(domain [0-9]+\): xl create sent -> \/init line: ([0-9]+) ms$/\1 \2/p' <<<"$out" |
  awk -v n="$N" '$1 == 1 || $1 == 10 || $1 == 50 || $1 == n { printf "| %d | %d ms |\n", $1, $2 }'
echo
sed -nE 's/^# (Tinyx .*)$/- \1/p' <<<"$out"
bench_footer "$out" "$rc" "$start"
exit $rc

#!/usr/bin/env bash
# Density benchmark (issue 19): tests/suites/64-density.sh with more tiny
# domains (DENSITY_BENCH_N, default 120: the builder keeps at most
# MGR_MAX_DOMS = 128 domains) of 4 MiB (the smallest the builder's layout
# allows: Xen's 4 MiB-aligned boot mapping), as a Markdown table: creation
# time (xl create sent -> first console line) by domain number, hypervisor
# frames per tiny domain, the run's checks.  Prints Markdown on stdout.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
N=${DENSITY_BENCH_N:-120}
out=$(DENSITY_N=$N DENSITY_MEM=4 QEMU_TIMEOUT=1800 bash tests/suites/64-density.sh 2>&1)
rc=$?
echo "## Density: $N tiny domains (service runtime + svc, 4 MiB each, pairs pinging over a grant and an event channel)"
echo
echo "| domain | creation time (ms, xl create -> first console line, TCG) |"
echo "|---|---|"
sed -nE 's/^# creation time of domain ([0-9]+) \(.*\): (.*) ms$/| \1 | \2 |/p' <<<"$out"
echo
sed -nE 's/^# (hypervisor frames per tiny domain.*)$/- \1/p; s/^# ([0-9]+ tiny domains .*)$/- \1/p' <<<"$out"
echo "- checks: $(tail -n 1 <<<"$out")$([ $rc -eq 0 ] || echo " (FAILED: $(grep -m1 '^FAIL' <<<"$out"))")"
echo
exit $rc

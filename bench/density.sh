#!/usr/bin/env bash
# Density benchmark (issue 19): tests/suites/64-density.sh with 1,000 tiny
# domains (DENSITY_BENCH_N) of 4 MiB (the smallest the builder's layout
# allows: Xen's 4 MiB-aligned boot mapping) in one QEMU machine, as a
# Markdown table: creation time by domain number (as the builder measures it,
# xl create received -> first console output, and as the host sees it), the
# hypervisor's memory per domain, the run's checks (every pair answers, all
# destroyed, free frames back to idle, no port or id leaked).  The machine
# gets 256 MiB + 1.5 x the domains' memory, at most 16 GiB and at most the
# host's available memory less 2 GiB (then fewer domains, said in the table).
# DENSITY_ICOUNT=shift=2 runs QEMU under -icount shift=2 (creation times in
# instruction time, independent of the host's load).  Prints Markdown on stdout.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
O=${O:-build}
N=${DENSITY_BENCH_N:-1000}
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
cap=$(( avail - 2048 < 16384 ? avail - 2048 : 16384 ))
note=
while [ $(( 256 + N * 6 )) -gt "$cap" ] && [ "$N" -gt 2 ]; do N=$(( N - 50 )); note=" (fewer than asked: the host has $avail MiB available)"; done
start=$(date +%s)
out=$(DENSITY_N=$N DENSITY_MEM=4 bash tests/suites/64-density.sh 2>&1)
rc=$?
echo "## Density: $N tiny domains$note (service runtime + svc, 4 MiB each, pairs pinging over a grant and an event channel)"
echo
bench_machine "$(( 256 + N * 6 ))"
echo
echo "| domain | builder: xl create received -> first console output (steps) | host: xl create sent -> first console line |"
echo "|---|---|---|"
sed -nE 's/^# creation time of domain ([0-9]+): builder (.*); host \(.*\): (.*) ms$/| \1 | \2 | \3 ms |/p' <<<"$out"
echo
sed -nE 's/^# (hypervisor frames per tiny domain.*)$/- \1/p; s/^# ([0-9]+ tiny domains .*)$/- \1/p' <<<"$out"
bench_footer "$out" "$rc" "$start"
exit $rc

#!/usr/bin/env bash
# Core benchmarks: null hypercall, event-channel round trip between two domains,
# grant map+unmap, grant copy bandwidth (16 x 4 KiB per GNTTABOP_copy). The same
# guest (build/guests/multi-bench.elf, with multi-child.elf as its second module)
# runs as the first domain of Tessera and as dom0 of Debian's Xen 4.17, under the
# same QEMU (-accel tcg -cpu max,la57=off -m 512 -smp 1), once on wall-clock time
# and once with -icount shift=0,sleep=off (guest time = executed instructions,
# deterministic). Each cell is the median of CORE_BENCH_REPS runs (default 3).
# Also reports the ring-0 core size. Prints Markdown on stdout.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
REPS=${CORE_BENCH_REPS:-3}
TIMEOUT=${CORE_BENCH_TIMEOUT:-300}
XEN_GZ=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
hv=$O/tessera.elf parent=$O/guests/multi-bench.elf child=$O/guests/multi-child.elf
T=$(mktemp -d /tmp/core-bench.XXXXXX)
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

for f in "$hv" "$parent" "$child"; do
  [ -f "$f" ] || { echo "bench/core.sh: $f missing (run make all)" >&2; exit 1; }
done
have_xen=0
if [ -r "$XEN_GZ" ]; then zcat "$XEN_GZ" >"$T/xen" && have_xen=1; fi

QEMU=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max,la57=off -m 512 -smp 1
      -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -monitor none)

# run HV LENS LOG: boot one benchmark run, wait for "BENCH done" (or a timeout).
run() {
  local hvname=$1 lens=$2 log=$3 extra=()
  [ "$lens" = icount ] && extra=(-icount shift=0,sleep=off)
  : >"$log"
  if [ "$hvname" = tessera ]; then
    "${QEMU[@]}" "${extra[@]}" -kernel "$hv" -append "exit_when_idle" \
      -initrd "$parent multi-bench,$child multi-child" -serial "file:$log" &
  else
    "${QEMU[@]}" "${extra[@]}" -kernel "$T/xen" \
      -append "console=com1 com1=115200,8n1 dom0_mem=64M loglvl=all guest_loglvl=all smap=0 noreboot" \
      -initrd "$parent xen-oracle,$child" -serial "file:$log" &
  fi
  qpid=$!
  local end=$(( $(date +%s) + TIMEOUT ))
  while kill -0 "$qpid" 2>/dev/null; do
    grep -q 'BENCH done' "$log" && { sleep 0.3; break; }
    [ "$(date +%s)" -ge "$end" ] && { echo "timeout" >>"$log"; break; }
    sleep 0.3
  done
  kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
}

# metric LOG KEY: one number from a run's BENCH lines (empty if missing).
metric() {
  tr -d '\r' <"$1" | sed -n 's/^\((d0) \)\{0,1\}BENCH /BENCH /p' | awk -v k="$2" '
    $2 == "null_hypercall" { n = $3; ns = $4; cy = $5 }   # the last (measured) line wins
    $2 == "evtchn_rtt"     { rn = $3; rns = $4 }
    $2 == "grant_map_unmap"{ mn = $3; mns = $4 }
    $2 == "grant_copy"     { cn = $3; cns = $4; cb = $5 }
    END {
      if (k == "null_ns"  && n)  printf "%.1f", ns / n
      if (k == "null_cyc" && n)  printf "%.0f", cy / n
      if (k == "rtt_us"   && rn) printf "%.2f", rns / rn / 1000
      if (k == "map_us"   && mn) printf "%.2f", mns / mn / 1000
      if (k == "copy_mbs" && cn) printf "%.0f", cb * 1000 / cns
    }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

hvs=(tessera); [ $have_xen -eq 1 ] && hvs+=(xen)
lenses=(wall icount)
keys=(null_ns null_cyc rtt_us map_us copy_mbs)
declare -A VAL
for lens in "${lenses[@]}"; do
  for hvname in "${hvs[@]}"; do
    for r in $(seq "$REPS"); do
      run "$hvname" "$lens" "$T/$hvname-$lens-$r.log"
      cp "$T/$hvname-$lens-$r.log" "$O/bench/core-$hvname-$lens-$r.log" 2>/dev/null
    done
    for k in "${keys[@]}"; do
      VAL[$hvname,$lens,$k]=$(for r in $(seq "$REPS"); do metric "$T/$hvname-$lens-$r.log" "$k"; echo; done | grep . | median)
    done
  done
done

ratio() {  # ratio A B: A/B with two decimals, or "n/a"
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

echo
echo "## Core: hypercalls, event channels, grant tables"
echo
echo "Same guest on both hypervisors (\`guests/multi/multi-bench.c\`: first domain of Tessera,"
echo "dom0 of Xen 4.17, a child domain built by it with \`guests/multi/xc.c\`), QEMU"
echo "\`-accel tcg -cpu max,la57=off -m 512 -smp 1\`; median of $REPS runs. *wall*: real time;"
echo "*icount*: \`-icount shift=0,sleep=off\`, where 1 ns of guest time is one executed"
echo "instruction. Lower is better except for MB/s; the ratio is Tessera/Xen of the value shown,"
echo "so below 1 is better for times and worse for MB/s."
echo
echo "| Benchmark | Lens | Tessera | Xen 4.17 | Tessera/Xen |"
echo "|---|---|---:|---:|---:|"
label() {
  case $1 in
    null_ns)  echo "null hypercall (xen_version), ns (pvclock)" ;;
    null_cyc) echo "null hypercall (xen_version), TSC cycles" ;;
    rtt_us)   echo "event-channel round trip between two domains, µs" ;;
    map_us)   echo "grant map + unmap (one PV host mapping), µs" ;;
    copy_mbs) echo "grant copy, 16 × 4 KiB per call, MB/s" ;;
  esac
}
for k in "${keys[@]}"; do
  for lens in "${lenses[@]}"; do
    t=${VAL[tessera,$lens,$k]:-}; x=${VAL[xen,$lens,$k]:-}
    echo "| $(label "$k") | $lens | ${t:-n/a} | ${x:-n/a} | $(ratio "$t" "$x") |"
  done
done
[ $have_xen -eq 1 ] || echo "No $XEN_GZ (apt-get install xen-hypervisor-4.17-amd64): no Xen column."
echo
lines=$(find kernel -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) -print0 |
        xargs -0 cat | grep -cv '^[[:space:]]*$')
echo "Ring-0 core size: **$lines** non-blank lines of C, headers and assembly in \`kernel/\` (budget ~12,000)."

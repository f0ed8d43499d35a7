#!/usr/bin/env bash
# Performance isolation benchmark (issue 19): the paper's antisocial-domain
# experiment with the service runtime's guests (servers/domain-builder/tests/iso).
# One QEMU machine (TCG, one vCPU) with the builder and the xenstore domain; a
# victim domain runs rounds of integer work, a 64 KiB memset and a hypercall and
# prints its rounds every 2 s of its own clock.  Phases of ISO_WINDOWS (8) of
# those windows after the neighbours are up, the victim running throughout:
#   alone        nothing else
#   4 x cpu      four spinning domains at the same weight (the reference: the
#                victim's fair share is a fifth of the CPU, whatever its
#                neighbours do with theirs)
#   3 x cpu + X  one antisocial domain X in place of a spinner: mem (all its
#                memory touched again and again, increase_reservation past its
#                maximum), evtchn (every port taken, events sent forever), grant
#                (grant table grown to its maximum, grant hypercalls forever),
#                xs (xenstore node quota filled, directory reads forever)
#   all four     mem + evtchn + grant + xs
# Per phase: the victim's rounds/s (median of the windows inside the phase), its
# loss against the 4 x cpu reference (goal: <= 4%), the latency of `xl list`
# from the host (3 calls, median) and the builder-measured creation time of a
# tiny domain created and destroyed in the phase (the service domains stay
# responsive).  ISO_MODES="wall icount" (the default) runs it twice:
# by the wall clock, and under -icount shift=2 (guest time counts instructions,
# 4 ns each: the host's load drops out).  ISO_PHASES="mem evtchn grant xs all"
# (the default) picks the antisocial phases run after alone and the reference.
# Prints Markdown on stdout.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
WIN=${ISO_WINDOWS:-8}
. tests/suites/lib.sh
D=tests/linux-domu

for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
         "$O/servers/builder-tests/svc" "$O/servers/builder-tests/iso" "$O/servers/xenstored"; do
  [ -f "$f" ] || { echo "$f is missing (run make)" >&2; exit 1; }
done
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-iso.XXXXXX")
qpid=
stop() { [ -n "$qpid" ] && kill -- -"$qpid" 2>/dev/null; wait 2>/dev/null; qpid=; }
trap 'stop; rm -rf "$t"' EXIT
for r in victim cpu mem evtchn grant xs; do
  printf 'name = "%s"\nkernel = "runtime.elf"\nmemory = 8\nmaxmem = 12\nmodules = [ "iso role=%s name=%s" ]\n' \
    "$r" "$r" "$r" >"$t/iso-$r.cfg"   # (every cpu spinner calls itself cpu)
done
printf 'name = "probe"\nkernel = "runtime.elf"\nmemory = 4\nmodules = [ "svc name=probe" ]\n' >"$t/probe.cfg"
printf 'xs.cfg\n' >"$t/boot.list"
sock=$t/com2.sock

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "?" }'; }
# nxl NAME CMD...: the command's output; the host's wall time in ms into lat
nxl() { local a b; a=$(date +%s%N); xl "$@"; b=$(date +%s%N); lat=$(( (b - a) / 1000000 )); }

# start NAME ROLE: create a neighbour and wait until it floods (or spins)
start() {
  local out id
  out=$(xl create "iso-$2.cfg" name=\""$1"\"); id=$(sed -nE 's/^created domain ([0-9]+) .*/\1/p' <<<"$out")
  [ -n "$id" ] || { echo "xl create iso-$2.cfg name=$1: $out" >&2; return 1; }
  wait_re "^\(d0\) \(d$id\) iso $2: (cpu, instance 1|flooding)$" 180 >/dev/null
}

# phase LABEL NAME:ROLE...: the neighbours started, WIN windows measured, destroyed
phase() {
  local label=$1 nr n r rate lats=() from c
  shift
  for nr in "$@"; do start "${nr%%:*}" "${nr##*:}" || return 1; done
  sleep 1
  FROM=$(mark); from=$FROM
  wait_more "^\(d0\) \(d[0-9]+\) iso victim: window " "$WIN" 900 || echo "$label: fewer than $WIN windows in 900 s" >&2
  # the windows that ended inside the phase, less the first (it began before)
  rate=$(slog | sed -nE 's/^\(d0\) \(d[0-9]+\) iso victim: window [0-9]+: ([0-9]+) rounds in ([0-9]+) ms$/\1 \2/p' |
         tail -n +2 | awk '$2 > 0 { printf "%d\n", $1 * 1000 / $2 }' | median)
  for _ in 1 2 3; do nxl list >/dev/null; lats+=("$lat"); done
  xl create probe.cfg >/dev/null
  wait_re "^\(d0\) domain-builder: domain [0-9]+ \(probe\): first console output " 120 >/dev/null
  c=$(slog | sed -nE 's/^\(d0\) domain-builder: domain [0-9]+ \(probe\): first console output ([0-9]+) ms after create.*/\1/p' | tail -n 1)
  xl destroy probe >/dev/null
  for nr in "$@"; do xl destroy "${nr%%:*}" >/dev/null; done
  FROM=$from
  echo "$label|$rate|$(printf '%s\n' "${lats[@]}" | median)|${c:-?}"
}

# run MODE: one boot, every phase; the table rows on stdout
run() {
  local mode=$1 qargs=() ref rows row label rate xll cr loss log=$O/bench/isolation-$1.serial
  [ "$mode" = icount ] && qargs=(--qemu-arg -icount --qemu-arg shift=2)
  mkdir -p "$O/bench"
  local mods=(--module "$O/servers/runtime.elf" --module "$O/servers/domain-builder:--boot boot.list --create-times"
              --module "$t/boot.list:boot.list" --module "$D/xs.cfg:xs.cfg" --module "$t/probe.cfg:probe.cfg"
              --module "$O/servers/runtime.elf:runtime.elf" --module "$O/servers/xenstored:xenstored"
              --module "$O/servers/builder-tests/svc:svc" --module "$O/servers/builder-tests/iso:iso")
  for r in victim cpu mem evtchn grant xs; do mods+=(--module "$t/iso-$r.cfg:iso-$r.cfg"); done
  rm -f "$sock"
  setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --append "dom0_mem=48" \
    --mem 512 --timeout $(( 3600 + WIN * 300 )) --log "$log" "${qargs[@]}" --qemu-arg -chardev \
    --qemu-arg "socket,id=c2,path=$sock,server=on,wait=off" \
    --qemu-arg -device --qemu-arg isa-serial,chardev=c2 >/dev/null 2>&1 &
  qpid=$!
  FROM=0
  wait_line "(d0) (d1) xenstored: control domain 0 connected" 300 >/dev/null || { stop; return 1; }
  xl create iso-victim.cfg >/dev/null
  wait_re "^\(d0\) \(d[0-9]+\) iso victim: window 2: " 120 >/dev/null || { stop; return 1; }
  rows=$(phase "alone"
         phase "4 x cpu (reference)" c1:cpu c2:cpu c3:cpu c4:cpu
         for x in ${ISO_PHASES:-mem evtchn grant xs all}; do
           if [ "$x" = all ]; then phase "mem + evtchn + grant + xs" mem:mem evtchn:evtchn grant:grant xs:xs
           else phase "3 x cpu + $x" c1:cpu c2:cpu c3:cpu "$x:$x"; fi
         done)
  stop
  ref=$(sed -n '2p' <<<"$rows" | cut -d'|' -f2)
  echo "### $([ "$mode" = icount ] && echo "-icount shift=2 (guest time counts instructions)" || echo "wall clock")"
  echo
  echo "| neighbours | victim rounds/s | loss vs 4 x cpu | xl list (host, ms) | tiny domain create (builder, ms) |"
  echo "|---|---|---|---|---|"
  while IFS='|' read -r label rate xll cr; do
    loss=-
    [[ "$rate" =~ ^[0-9]+$ && "$ref" =~ ^[1-9][0-9]*$ ]] && [ "$label" != alone ] &&
      loss=$(awk -v a="$rate" -v r="$ref" 'BEGIN { printf "%.1f%%", (1 - a / r) * 100 }')
    echo "| $label | $rate | $loss | $xll | $cr |"
  done <<<"$rows"
  echo
}

echo "## Performance isolation (issue 19)"
echo
echo "QEMU TCG, one vCPU, 512 MiB; victim and neighbours at the same weight, 8 MiB each;"
echo "$WIN windows of 2 s (the victim's clock) per phase, the first left out; $(nproc) host cores shared with other work (load average $(cut -d' ' -f1 /proc/loadavg))."
echo "Goal: the victim loses <= 4% against the reference (its share with 4 spinning neighbours)."
echo
rc=0
for m in ${ISO_MODES:-wall icount}; do run "$m" || { echo "(the $m run failed: see $O/bench/isolation-$m.serial)"; rc=1; }; done
exit $rc

#!/usr/bin/env bash
# Boots a multi-domain guest on Tessera: the parent build/guests/PARENT.elf is the
# first module, build/guests/multi-child.elf the second (the parent builds its
# children from it). Prints the parent's check lines, the children's console lines
# as comments ("# (dN) ..."; the parent checks the children's results itself), then
# checks of its own (the parent finished, the hypervisor is still running) and one
# "N passed, M failed" line.
#   guests/multi/run-multi.sh PARENT [--smp N] [--timeout SECS] [--tag NAME] [--args "WORDS"]
#                             [--child NAME] [--quiet] [--icount]   (QEMU -icount shift=0,sleep=off: guest time counts
#                                           executed instructions, so timings repeat exactly)
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
name=$1; shift
smp=1 timeout=300 tag=$name args= qargs=() childname=multi-child quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smp) smp=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --args) args=$2; shift 2 ;;
    --child) childname=$2; shift 2 ;;      # the children's ELF (default multi-child)
    --quiet) quiet=1; shift ;;             # leave the children's console lines out
    --icount) qargs+=(--qemu-arg -icount --qemu-arg shift=0,sleep=off); shift ;;
    *) echo "run-multi.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$O/test-logs"
log=$O/test-logs/$tag.serial.log
: >"$log"
extra_p=0 extra_f=0
fail() { echo "FAIL - $tag: $*"; extra_f=$((extra_f + 1)); }
ok()   { echo "ok - $tag: $*"; extra_p=$((extra_p + 1)); }
hv=${TESSERA_ELF:-$O/tessera.elf}
parent=$O/guests/$name.elf child=$O/guests/$childname.elf
for f in "$hv" "$parent" "$child"; do
  if [ ! -f "$f" ]; then
    fail "missing $f (run make first)"; echo "$extra_p passed, $extra_f failed"; exit 1
  fi
done
bash scripts/qemu.sh --kernel "$hv" --module "$parent${args:+:$args}" --module "$child" --smp "$smp" \
  --timeout "$timeout" --log "$log" "${qargs[@]}" >/dev/null 2>&1

tr -d '\r' <"$log" >"$log.clean"
sed -n 's/^(d0) //p' "$log.clean" | grep -E '^(ok|FAIL|#)' || true
[ "$quiet" = 1 ] || grep -E '^\(d[1-9][0-9]*\) ' "$log.clean" | sed 's/^/# /' || true
summary=$(sed -n 's/^(d0) //p' "$log.clean" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -z "$summary" ]; then
  p=$(sed -n 's/^(d0) //p' "$log.clean" | grep -c '^ok - ' || true)
  f=$(sed -n 's/^(d0) //p' "$log.clean" | grep -c '^FAIL - ' || true)
  fail "parent did not finish (no 'N passed, M failed' line); last log lines: $(tail -n 5 "$log.clean" | tr '\n' '|')"
else
  ok "parent finished ($summary)"
  p=${summary%% passed*}; f=${summary#*, }; f=${f%% failed}
fi
if grep -q 'tessera: no domains left, hypervisor still running' "$log.clean"; then
  ok "hypervisor still running after every domain shut down"
else
  fail "hypervisor did not print 'no domains left, hypervisor still running'$(grep -m1 -E 'PANIC|timeout' "$log.clean" | sed 's/^/: /')"
fi
rm -f "$log.clean"
echo "$((p + extra_p)) passed, $((f + extra_f)) failed"
[ $((f + extra_f)) -eq 0 ]

#!/usr/bin/env bash
# Boots fuzz-parent (first domain) with fuzz-child as its module on Tessera through
# guests/multi/run-multi.sh (the parent's checks: audits and free pages back after
# each round; the parent finished, the hypervisor still running) and sums up the
# children's statistics: executions, executions per second, which hypercalls were
# answered with something other than -ENOSYS.
#   guests/fuzz/run-fuzz.sh [--long] [--seeds N] [--base B] [--iters I] [--secs S]
#                           [--par P] [--smp N] [--tag NAME]
# Default (tests/suites/37-fuzz.sh): 6 seeds, 2 at a time on 2 pCPUs, 10 s each.
# --long (make fuzz-long): FUZZ_SECS (default 3900) of 60-s children, seeds from
# FUZZ_BASE (default: the date), for >= 1 hour.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
seeds=6 base=1 iters=1000000 secs=10 par=2 smp=2 tag=fuzz timeout=
while [ $# -gt 0 ]; do
  case "$1" in
    --long) total=${FUZZ_SECS:-3900}; secs=60; iters=1000000000
            seeds=$(( (total / (secs + 5) + 1) * 2 )); base=${FUZZ_BASE:-$(date +%s)}; tag=fuzz-long
            shift ;;
    --seeds) seeds=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --iters) iters=$2; shift 2 ;;
    --secs) secs=$2; shift 2 ;;
    --par) par=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "run-fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
timeout=$(( (seeds + par - 1) / par * (secs + 70) + 120 ))
log=$O/test-logs/$tag.serial.log
extra_p=0 extra_f=0
fail() { echo "FAIL - $tag: $*"; extra_f=$((extra_f + 1)); }
ok()   { echo "ok - $tag: $*"; extra_p=$((extra_p + 1)); }
echo "# $tag: $seeds seeds from $base, $par at a time on $smp pCPUs, <= $secs s or $iters executions each"
start=$(date +%s)
out=$(bash guests/multi/run-multi.sh fuzz-parent --child fuzz-child --quiet --smp "$smp" --timeout "$timeout" \
      --tag "$tag" --args "seeds=$seeds base=$base iters=$iters secs=$secs par=$par")
echo "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
summary=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
p=${summary%% passed*}; f=${summary#*, }; f=${f%% failed}
[ -n "$summary" ] || { p=0; f=1; }
tr -d '\r' <"$log" >"$log.clean"
# The children's statistics: "(dN) fuzz: seed S execs N ms T" and
# "(dN) fuzz-hc: seed S nr:calls/answered ..." lines.
grep -aE '^\(d[0-9]+\) fuzz(-hc)?: seed' "$log.clean" | sed 's/^([^)]*) //' | python3 -c '
import sys
names = {0:"set_trap_table",1:"mmu_update",2:"set_gdt",3:"stack_switch",4:"set_callbacks",
 5:"fpu_taskswitch",6:"sched_op_compat",8:"set_debugreg",9:"get_debugreg",10:"update_descriptor",
 12:"memory_op",13:"multicall",14:"update_va_mapping",15:"set_timer_op",17:"xen_version",
 18:"console_io",20:"grant_table_op",21:"vm_assist",23:"iret",24:"vcpu_op",25:"set_segment_base",
 26:"mmuext_op",29:"sched_op",30:"callback_op",32:"event_channel_op",33:"physdev_op",35:"sysctl",36:"domctl"}
execs = ms = n = 0; calls = {}; answered = {}
for line in sys.stdin:
    words = line.split()
    if words[0] == "fuzz:":
        n += 1; execs += int(words[4]); ms += int(words[6])
        continue
    for t in words[3:]:
        nr, cv = t.split(":"); c, a = cv.split("/")
        calls[int(nr)] = calls.get(int(nr), 0) + int(c); answered[int(nr)] = answered.get(int(nr), 0) + int(a)
print("# children reporting: %d, executions: %d in %.1f s of child time: %.0f executions/s per child" %
      (n, execs, ms / 1000.0, execs / (ms / 1000.0) if ms else 0))
hit = sorted(k for k in names if answered.get(k, 0))
print("# hypercall handlers reached (answered other than -ENOSYS): %d of %d: %s" %
      (len(hit), len(names), " ".join(names[k] for k in hit)))
missed = sorted(k for k in names if not answered.get(k, 0))
print("# not reached: %s" % (" ".join(names[k] for k in missed) or "none"))
print("# calls per hypercall (calls/answered): " +
      " ".join("%s=%d/%d" % (names.get(k, str(k)), calls[k], answered[k]) for k in sorted(calls)))
'
nstats=$(grep -caE '^\(d[0-9]+\) fuzz: seed' "$log.clean" || true)
echo "# wall time $(( $(date +%s) - start )) s"
grep -aE '^\(d[1-9][0-9]*\) (FAIL|# debug)' "$log.clean" | head -n 20 | sed 's/^/# /' || true
if [ "$nstats" -gt 0 ]; then ok "$nstats of $seeds children reported statistics (the others ended themselves)"; else fail "no child reported statistics"; fi
if grep -qE 'PANIC|hypervisor fault' "$log.clean"; then fail "hypervisor panic: $(grep -m1 -E 'PANIC|hypervisor fault' "$log.clean")"; fi
rm -f "$log.clean"
echo "$((p + extra_p)) passed, $((f + extra_f)) failed"
[ $((f + extra_f)) -eq 0 ]

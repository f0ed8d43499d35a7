#!/usr/bin/env bash
# make bench (via tests/bench.sh): the Linux guest microbenchmarks
# (bench/linux/*.c in guests/linux's initramfs) in Debian's cloud kernel
#   - on Tessera as a domU, built by the domain builder with the xenstore
#     domain running (as users run it), and as the first domain,
#   - on Debian's Xen 4.17 (xen-hypervisor-4.17-amd64) as a domU created with
#     xl in a Debian dom0 (bench/xen-domu: generic kernel + Debian's toolstack),
#     and as its dom0,
#   - natively (the same kernel booted directly by QEMU),
# all with the same QEMU, -machine q35 -accel tcg -cpu max,la57=off, 256 MiB
# for the Linux kernel, one vCPU.  Writes a Markdown section to stdout; logs go
# to $O/bench/linux/.  Two lenses (BENCH_MODES="wall icount" picks them):
#  - wall clock, domU vs domU vs native, in BENCH_LINUX_REPS (5) alternating
#    rounds: the three systems boot together, each is stopped (QEMU's monitor;
#    guest time stands still) once its /init is up, then round after round one
#    system at a time is continued for one pass over the seven benchmarks and
#    stopped again (native, Xen, Tessera, native, Xen, Tessera, ...).  Counts
#    are fixed (bench_NAME=N on the kernel command line), the ones a native
#    boot first calibrates so that every measurement takes >= 1 s of native
#    guest time on this host now (bench/linux/bench.h), or WALL_COUNTS
#    ("null_syscall=N fork_exit=N ...").  The host's load average is recorded
#    before and after every round ($out/wall-rounds.tsv), and the CPU seconds of
#    QEMU's vCPU thread whenever a result appears ($out/wall-cpu.tsv); the
#    tables give medians over rounds and their spread, by the guest's clock and
#    by host CPU time (the guest's clock runs on while QEMU waits for a CPU).
#  - instruction time (-icount shift=0,sleep=off: guest time = executed
#    instructions, deterministic), each benchmark once with fixed counts (each
#    >= 0.15 s of native guest time; BENCH_ICOUNT_STEPS overrides them), all
#    five systems, in parallel.
# BENCH_TIMEOUT_SCALE multiplies every time limit (a loaded host).
# BENCH_ONLY="tessera_domu xen_domu ..." runs only those platforms (the report
# then uses the logs earlier runs left for the others).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export TESSERA_ACCEL=tcg
out="$O/bench/linux"
mkdir -p "$out"
L="$O/linux"
reps=${BENCH_LINUX_REPS:-5}     # wall-clock rounds; the table shows medians over them
scale=${BENCH_TIMEOUT_SCALE:-1}
wall_steps="uname+sleep:20"
for r in $(seq "$reps"); do wall_steps+="+date+bench+sleep:4"; done   # "date:" marks a pass's start
wall_steps+="+poweroff"
icount_list="bench-null_syscall:300000+bench-fork_exit:1000+bench-fork_exec:500+bench-pipe_pingpong:15000"
icount_list+="+bench-page_fault:65536+bench-mmap_64m:3+bench-cpu_loop:30000000"
icount_steps="uname+${BENCH_ICOUNT_STEPS:-$icount_list}+poweroff"
steps=$wall_steps extra=
cpu=(-machine q35 -accel tcg -cpu max,la57=off -smp 1 -display none -no-reboot -name bench,debug-threads=on)
icount=(-icount shift=0,sleep=off)

echo "## Linux guest: Tessera vs Xen 4.17 vs native"
echo
if ! bash guests/linux/fetch.sh >"$out/fetch.log" 2>&1 || ! bash guests/linux/initramfs.sh >"$out/initramfs.log" 2>&1; then
  echo "Could not fetch the kernel or build the initramfs (see $out/)."
  exit 1
fi
xengz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
dom0_initramfs() {   # the Xen domU's steps are part of its dom0's initramfs
  bash bench/xen-domu/dom0-initramfs.sh "$steps" "$extra" >"$out/dom0-initramfs.log" 2>&1 ||
    echo "No Xen domU column: bench/xen-domu/dom0-initramfs.sh failed (see $out/dom0-initramfs.log)."
}

# launch NAME TIMEOUT QEMU-ARGS...: starts QEMU with its serial log in
# $out/NAME.log and its monitor on $out/NAME.mon (the caller times it out);
# the pid goes to pid[NAME]
declare -A pid
launch() {
  local name=$1; shift 2
  : >"$out/$name.log"
  rm -f "$out/$name.mon"
  qemu-system-x86_64 "$@" -serial "file:$out/$name.log" -monitor "unix:$out/$name.mon,server,nowait" &
  pid[$name]=$!
}
# run NAME TIMEOUT QEMU-ARGS...: boots, waits for TESSERA-INIT-DONE (or a
# failure), records host seconds from start to TESSERA-INIT-OK in NAME.init
run() {
  local name=$1 timeout=$(( $2 * scale )); shift 2
  local log="$out/$name.log" t0 tinit=
  t0=$(date +%s.%N)
  launch "$name" 0 "$@"
  local q=${pid[$name]} end=$(( $(date +%s) + timeout ))
  while kill -0 $q 2>/dev/null; do
    if [ -z "$tinit" ] && grep -aq TESSERA-INIT-OK "$log"; then
      tinit=$(echo "$(date +%s.%N) - $t0" | bc -l)
    fi
    if grep -aqE "$finished" "$log"; then sleep 2; break; fi
    if [ "$(date +%s)" -ge $end ]; then echo "bench/linux.sh: timeout after ${timeout}s" >>"$log"; break; fi
    sleep 0.2
  done
  kill $q 2>/dev/null; wait $q 2>/dev/null
  echo "${tinit:-}" >"$out/$name.init"
}
finished="TESSERA-INIT-DONE|init: steps finished|tessera: PANIC|Kernel panic|Panic on CPU"
RUN=run
# mon NAME COMMAND: one command to a launched QEMU's monitor (stop, cont)
mon() {
  python3 - "$out/$1.mon" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1]); s.settimeout(5)
try:
    s.recv(65536)                       # the banner
except OSError:
    pass
s.send(sys.argv[2].encode() + b"\n"); time.sleep(0.1)
PY
}

tessera() {   # MODE [extra qemu args]
  local m=$1; shift
  [ -s "$O/tessera.elf" ] || return
  local mods="$L/vmlinux console=hvc0 earlyprintk=xen tessera_steps=$steps,$L/initramfs.gz"
  $RUN "tessera-$m" 900 "${cpu[@]}" -m 768 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$O/tessera.elf" -append "dom0_mem=256 dom0_initrd" -initrd "$mods" "$@"
}
# (no_timer_check: on a starved host the kernel's IO-APIC timer check fails and it panics)
native() {
  local m=$1; shift
  $RUN "native-$m" 900 "${cpu[@]}" -m 256 -kernel "$L/vmlinuz" -initrd "$L/initramfs.gz" \
    -append "console=ttyS0 no_timer_check tessera_steps=$steps $extra" "$@"
}
tessera_domu() {   # the builder starts the xenstore domain, then the guest
  local m=$1; shift
  [ -s "$O/servers/domain-builder" ] && [ -s "$O/servers/xenstored" ] || return
  local b="$out/tessera-domu"
  mkdir -p "$b"
  printf 'xs.cfg\nbench.cfg\n' >"$b/boot.list"
  printf 'name = "linux"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 256\nextra = "console=hvc0 tessera_out=console tessera_steps=%s %s"\n' \
    "$steps" "$extra" >"$b/bench.cfg"
  local mods="$O/servers/runtime.elf,$O/servers/domain-builder --boot boot.list,$b/boot.list boot.list"
  mods+=",tests/linux-domu/xs.cfg xs.cfg,$b/bench.cfg bench.cfg,$O/servers/runtime.elf runtime.elf"
  mods+=",$O/servers/xenstored xenstored,$L/vmlinuz vmlinuz,$L/initramfs.gz initrd.gz"
  $RUN "tessera-domu-$m" 900 "${cpu[@]}" -m 768 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$O/tessera.elf" -append "dom0_mem=192" -initrd "$mods" "$@"
}
xen_domu() {   # Debian's toolstack in a Debian dom0 creates the guest (xl create -c)
  local m=$1; shift
  [ -r "$xengz" ] && [ -s "$O/linux-dom0/initramfs.gz" ] || return
  zcat "$xengz" >"$out/xen"
  $RUN "xen-domu-$m" 1500 "${cpu[@]}" -m 1024 -kernel "$out/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M smap=0 noreboot" \
    -initrd "$O/linux-dom0/vmlinuz console=hvc0 earlyprintk=xen,$O/linux-dom0/initramfs.gz" "$@"
}
xen() {
  local m=$1; shift
  [ -r "$xengz" ] || return
  zcat "$xengz" >"$out/xen"
  $RUN "xen-$m" 900 "${cpu[@]}" -m 768 -kernel "$out/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=256M,max:256M smap=0 noreboot" \
    -initrd "$L/vmlinuz console=hvc0 earlyprintk=xen tessera_steps=$steps,$L/initramfs.gz" "$@"
}

# count PATTERN NAME: lines of NAME's log that match
count() { grep -ac "$1" "$out/$2.log"; }
# vcpu_cpu NAME: host CPU seconds QEMU's vCPU thread ("CPU 0/TCG") has used
vcpu_cpu() {
  local t
  for t in /proc/"${pid[$1]}"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "CPU 0/TCG" ]; then
      awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "$t/stat"; return
    fi
  done
  echo 0
}
failed() { grep -aqE "$finished" "$out/$1.log" || ! kill -0 "${pid[$1]}" 2>/dev/null; }
# Wall clock: boot together, then alternate rounds (see the top comment)
wall() {
  local sys=() p n r end t0 l0 seen k
  steps=$wall_steps RUN=launch
  for p in native xen_domu tessera_domu; do want $p && sys+=("$p"); done
  [ ${#sys[@]} -gt 0 ] || return
  local counts=${WALL_COUNTS:-}
  if [ -z "$counts" ]; then   # calibration: the counts of native's >= 1 s runs
    steps="uname+bench+poweroff" extra= RUN=run
    native calibrate
    counts=$(sed -n -E 's/.*bench: name=([a-z_0-9]+) iters=([0-9]+) .*/\1=\2/p' "$out/native-calibrate.log" | tr '\n' ' ')
    steps=$wall_steps RUN=launch
  fi
  extra=$(for c in $counts; do printf 'bench_%s ' "$c"; done)
  echo "$counts" >"$out/wall-counts"
  want xen_domu && dom0_initramfs
  declare -A name=([native]=native-wall [xen_domu]=xen-domu-wall [tessera_domu]=tessera-domu-wall)
  declare -A up=()
  local nup=0
  for p in "${sys[@]}"; do $p wall; done
  end=$(( $(date +%s) + 1500 * scale ))
  # each stopped in its 20 s sleep after "uname" (its boot is not measured)
  while [ $nup -lt ${#sys[@]} ] && [ "$(date +%s)" -lt $end ]; do
    for p in "${sys[@]}"; do
      n=${name[$p]}
      [ -n "${up[$p]:-}" ] && continue
      if [ -n "${pid[$n]:-}" ] && grep -aq "uname-v" "$out/$n.log"; then mon "$n" stop; up[$p]=1
      elif [ -z "${pid[$n]:-}" ] || failed "$n"; then up[$p]=0; fi
      [ -n "${up[$p]:-}" ] && nup=$((nup + 1))
    done
    sleep 0.2
  done
  printf 'round\tsystem\thost_s\tload_before\tload_after\n' >"$out/wall-rounds.tsv"
  printf 'system\tround\tlines\thost_wall_s\tvcpu_cpu_s\n' >"$out/wall-cpu.tsv"
  for r in $(seq "$reps"); do
    for p in "${sys[@]}"; do
      n=${name[$p]}
      [ "${up[$p]:-0}" = 1 ] || continue
      l0=$(cut -d' ' -f1-3 /proc/loadavg) t0=$(date +%s.%N)
      mon "$n" cont
      end=$(( $(date +%s) + 900 * scale ))
      # each new "date:" or result line: the host's wall and the vCPU thread's
      # CPU seconds, so each measurement's share of a host CPU is known
      seen=$(count "^.*\(date: \|bench: name=\)" "$n")
      until [ "$(count "bench: name=cpu_loop " "$n")" -ge "$r" ]; do
        if failed "$n" || [ "$(date +%s)" -ge $end ]; then
          echo "bench/linux.sh: round $r did not finish" >>"$out/$n.log"; up[$p]=0; break
        fi
        sleep 0.2
        k=$(count "^.*\(date: \|bench: name=\)" "$n")
        [ "$k" -gt "$seen" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$r" "$k" "$(date +%s.%N)" "$(vcpu_cpu "$n")" >>"$out/wall-cpu.tsv"
        seen=$k
      done
      mon "$n" stop
      printf '%s\t%s\t%.1f\t%s\t%s\n' "$r" "$n" "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$l0" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/wall-rounds.tsv"
    done
  done
  for p in "${sys[@]}"; do
    n=${name[$p]}
    [ -n "${pid[$n]:-}" ] || continue
    kill "${pid[$n]}" 2>/dev/null; wait "${pid[$n]}" 2>/dev/null
  done
  RUN=run
}

want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
mode() { [[ " ${BENCH_MODES:-wall icount} " == *" $1 "* ]]; }
mode wall && wall
if mode icount; then
  steps=$icount_steps extra=
  want xen_domu && dom0_initramfs
  for p in native xen_domu tessera_domu; do want $p && $p icount "${icount[@]}" & done
  wait
  for p in xen tessera; do want $p && $p icount "${icount[@]}" & done
  wait
fi

# Debian's python (it has python3-matplotlib; a python3 earlier on PATH may not)
/usr/bin/python3 - "$out" "$(cat "$L/version")" "$reps" "$(qemu-system-x86_64 --version | head -n 1)" "$xengz" <<'PY'
import os, re, statistics, sys
out, version, reps, qemu, xengz = sys.argv[1:6]
plats = [("native", "native"), ("xen-domu", "Xen 4.17 domU"), ("tessera-domu", "Tessera domU"),
         ("xen", "Xen 4.17 dom0"), ("tessera", "Tessera first domain")]
pairs = {"wall": [("xen-domu", "tessera-domu", "domU vs domU (as users run guests)")],
         "cpu": [("xen-domu", "tessera-domu", "domU vs domU (as users run guests)")],
         "icount": [("xen-domu", "tessera-domu", "domU vs domU (as users run guests)"),
                    ("xen", "tessera", "Tessera's first domain vs Xen's dom0")]}
order = ["null_syscall", "fork_exit", "fork_exec", "pipe_pingpong", "page_fault", "mmap_64m", "cpu_loop"]
rx = re.compile(r"bench: name=(\w+) iters=(\d+) ns_per_op=([0-9.]+)")

def load(p, mode):
    """{bench: (iters, [ns per op, one per round in order])}, host s to /init.
    Mode "cpu" is the wall-clock run with each value scaled by the share of a
    host CPU that QEMU's vCPU thread got during that measurement (wall-cpu.tsv:
    the thread's CPU seconds whenever a new "date:" or result line appeared)."""
    r, path = {}, os.path.join(out, "%s-%s.log" % (p, "wall" if mode == "cpu" else mode))
    ent = []
    if mode == "cpu" and os.path.exists(os.path.join(out, "wall-cpu.tsv")):
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "wall-cpu.tsv"))][1:]
        ent = sorted((int(x[2]), float(x[3]), float(x[4])) for x in rows if x[0] == p + "-wall")

    def seen(j):   # the first sample that saw line j
        return next((e for e in ent if e[0] >= j), None)
    if os.path.exists(path):
        marks = 0
        for line in open(path, errors="replace"):
            if "date: " in line or "bench: name=" in line:
                marks += 1
            m = rx.search(line)
            if not m:
                continue
            ns = float(m.group(3))
            if mode == "cpu":
                a, b = seen(marks - 1), seen(marks)
                if not a or not b or b[1] - a[1] < 0.5:
                    continue    # no interval of its own: left out
                ns *= min(1.0, (b[2] - a[2]) / (b[1] - a[1]))
            r.setdefault(m.group(1), (int(m.group(2)), []))[1].append(ns)
    init = None
    try:
        s = open(os.path.join(out, "%s-%s.init" % (p, mode))).read().strip()
        init = float(s) if s else None
    except OSError:
        pass
    return r, init

def fmt(v):
    return "—" if v is None else ("%.0f" % v if v >= 100 else "%.3f" % v)

def spread(v):   # half the range over rounds, in % of the median
    if not v or len(v) < 2 or statistics.median(v) <= 0:
        return ""
    return " ±%.0f%%" % (50 * (max(v) - min(v)) / statistics.median(v))

def ovr(n, x, t):
    return (t - n) / (x - n) if n and x and t and x != n else None

print("Debian cloud kernel %s, same initramfs everywhere; %s; `-machine q35 -accel tcg "
      "-cpu max,la57=off`, one vCPU, 256 MiB for Linux. The domUs: Tessera's built by the "
      "domain builder with the xenstore domain running; Xen's created by `xl create` in a dom0 "
      "of Debian's generic kernel and Debian's xen-utils-4.17 (bench/xen-domu/). ns per "
      "operation as the guest's CLOCK_MONOTONIC measures it. Wall clock: %s alternating rounds "
      "(native, Xen, Tessera, native, ...; the others stopped meanwhile), fixed counts (>= 1 s of "
      "native guest time each); the median over rounds, ± half the range over rounds in %% of the "
      "median, and the overhead ratio of each round's own three values (median and range); "
      "the guest clock runs on while the host does not run QEMU, so a second table scales each "
      "value by the share of a host CPU that QEMU's vCPU thread had during it (the host's "
      "other load taken out). "
      "Instruction time (1 ns = 1 instruction, deterministic): one run with fixed counts. "
      "Overhead ratio = (Tessera − native) / (Xen − native), goal ≤ 0.7 (CPU-bound: Tessera "
      "within 2%% of native). %s.\n" % (version, qemu, reps, os.path.basename(xengz)))
ratios = {}
for mode, title in [("wall", "Wall clock (guest clock)"),
                    ("cpu", "Wall clock, host CPU time (guest clock × the vCPU thread's share of a host CPU)"),
                    ("icount", "Instruction time (`-icount shift=0,sleep=off`)")]:
    data = {p: load(p, mode) for p, _ in plats}
    wall = mode in ("wall", "cpu")
    if mode == "wall":
        rows = []
        tsv = os.path.join(out, "wall-rounds.tsv")
        if os.path.exists(tsv):
            rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
        if rows:
            loads = [float(x.split()[0]) for r in rows for x in (r[3], r[4])]
            short = min(((it * ns / 1e9, "%s %s" % (p, b)) for p in ("native", "xen-domu", "tessera-domu")
                         for b, (it, v) in data[p][0].items() for ns in v), default=None)
            if short:
                print("Shortest measurement: %.2f s of guest time (%s).\n" % short)
            print("Host load average (1 min) before and after each round: %.2f to %.2f, median %.2f, "
                  "on %d CPUs (every round's in %s); wall-clock values move with it, instruction "
                  "time does not.\n" % (min(loads), max(loads), statistics.median(loads), os.cpu_count(),
                                        "wall-rounds.tsv"))
    for xk, tk, ptitle in pairs[mode]:
        print("### %s: %s\n" % (title, ptitle))
        if wall:
            print("| benchmark | iters | native ns/op | Xen ns/op | Tessera ns/op | Xen/native | Tessera/native "
                  "| overhead ratio | ratio range over rounds | goal |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        else:
            print("| benchmark | iters | native ns/op | Xen ns/op | Tessera ns/op | Xen/native | Tessera/native "
                  "| overhead ratio | goal |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for b in order:
            v = {p: data[p][0].get(b) for p in ("native", xk, tk)}
            runs = {p: (x[1] if x else []) for p, x in v.items()}
            med = {p: (statistics.median(r) if r else None) for p, r in runs.items()}
            iters = next((x[0] for x in v.values() if x), None)
            n, x, t = med["native"], med[xk], med[tk]
            xr = x / n if n and x else None
            tr = t / n if n and t else None
            ov = ovr(n, x, t)
            per = [ovr(*r) if b != "cpu_loop" else r[2] / r[0] for r in zip(runs["native"], runs[xk], runs[tk])]
            per = [r for r in per if r is not None]
            if b == "cpu_loop":
                goal = "—" if tr is None else ("met" if tr <= 1.02 else "missed")
            else:
                goal = "—" if ov is None else ("met" if ov <= 0.7 else "missed")
            if ov is not None and b != "cpu_loop":
                ratios[(mode, xk, b)] = ov
            cells = [b, iters or "—", fmt(n) + spread(runs["native"]), fmt(x) + spread(runs[xk]),
                     fmt(t) + spread(runs[tk]), "—" if xr is None else "%.2f×" % xr,
                     "—" if tr is None else "%.2f×" % tr, "—" if ov is None or b == "cpu_loop" else "%.2f" % ov]
            if wall:
                cells.append("—" if not per else ("%.2f–%.2f%s" % (min(per), max(per),
                                                                    "× native" if b == "cpu_loop" else "")))
            cells.append(goal)
            print("| " + " | ".join(str(c) for c in cells) + " |")
        if not wall:
            inits = {p: data[p][1] for p in ("native", xk, tk)}
            print("| host s from QEMU start to /init | | %s | %s | %s | | | | |" % tuple(
                "—" if inits[p] is None else "%.1f" % inits[p] for p in ("native", xk, tk)))
        print()
    missing = [name for p, name in plats if not data[p][0] and (not wall or p in ("native", "xen-domu", "tessera-domu"))]
    if missing:
        print("No results (%s) from: %s (logs in %s).\n" % (mode, ", ".join(missing), out))

# The plot: overhead ratio per row, both lenses (PNG beside the report).
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [b for b in order if b != "cpu_loop"]
    series = [(m, xk, "%s, %s" % ({"wall": "guest clock", "cpu": "host CPU time", "icount": "instructions"}[m],
                                  "domU" if xk == "xen-domu" else "first domain/dom0"))
              for m in ("wall", "cpu", "icount") for xk in ("xen-domu", "xen") if m == "icount" or xk == "xen-domu"]
    series = [x for x in series if any((x[0], x[1], b) in ratios for b in rows)]   # lenses that ran
    fig, ax = plt.subplots(figsize=(9, 4))
    w = 0.8 / len(series)
    for i, (m, xk, label) in enumerate(series):
        ax.bar([j + i * w for j in range(len(rows))], [ratios.get((m, xk, b), 0) for b in rows], w, label=label)
    ax.axhline(0.7, color="k", linestyle="--", linewidth=1, label="goal 0.7")
    ax.axhline(1.0, color="gray", linestyle=":", linewidth=1, label="Xen's overhead")
    ax.set_xticks([j + 0.4 - w / 2 for j in range(len(rows))])
    ax.set_xticklabels(rows, rotation=20)
    ax.set_ylabel("Tessera overhead / Xen overhead")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "..", "linux-overhead.png"), dpi=110)
    print("![overhead ratios](linux-overhead.png)\n")
except Exception as e:  # the tables stand on their own
    print("(no plot: %s)\n" % e)
PY

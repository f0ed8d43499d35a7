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
# for the Linux kernel, one vCPU; once by wall clock and once with
# -icount shift=0,sleep=off (guest time = executed instructions).  Writes a
# Markdown section to stdout; logs go to $O/bench/linux/.
# BENCH_LINUX_STEPS overrides the wall-clock benchmark list (init steps,
# "+"-separated), BENCH_LINUX_REPS the repetitions of the default list (5;
# medians are reported).  Instruction time is deterministic, so that lens runs
# each benchmark once with fixed counts (each >= 0.15 s of native guest time),
# BENCH_ICOUNT_STEPS overriding them.  BENCH_MODES="wall icount" picks lenses.
# BENCH_TIMEOUT_SCALE multiplies every boot's time limit (a loaded host).
# BENCH_ONLY="tessera_domu xen_domu ..." runs only those platforms (the report
# then uses the logs earlier runs left for the others).
# Iteration counts are the programs' defaults (bench/linux/*.c).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export TESSERA_ACCEL=tcg
out="$O/bench/linux"
mkdir -p "$out"
L="$O/linux"
# (Tessera keeps 255 bytes of a boot module's command line: keep the list short)
reps=${BENCH_LINUX_REPS:-5}     # each benchmark runs this often per boot; the table shows medians
wall_steps="uname+${BENCH_LINUX_STEPS:-bench:$reps}+poweroff"
icount_list="bench-null_syscall:300000+bench-fork_exit:1000+bench-fork_exec:500+bench-pipe_pingpong:15000"
icount_list+="+bench-page_fault:65536+bench-mmap_64m:3+bench-cpu_loop:30000000"
icount_steps="uname+${BENCH_ICOUNT_STEPS:-$icount_list}+poweroff"
steps=$wall_steps
cpu=(-machine q35 -accel tcg -cpu max,la57=off -smp 1 -display none -no-reboot -monitor none)
icount=(-icount shift=0,sleep=off)

echo "## Linux guest: Tessera vs Xen 4.17 vs native"
echo
if ! bash guests/linux/fetch.sh >"$out/fetch.log" 2>&1 || ! bash guests/linux/initramfs.sh >"$out/initramfs.log" 2>&1; then
  echo "Could not fetch the kernel or build the initramfs (see $out/)."
  exit 1
fi
xengz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
dom0_initramfs() {   # the Xen domU's steps are part of its dom0's initramfs
  bash bench/xen-domu/dom0-initramfs.sh "$steps" >"$out/dom0-initramfs.log" 2>&1 ||
    echo "No Xen domU column: bench/xen-domu/dom0-initramfs.sh failed (see $out/dom0-initramfs.log)."
}

# run NAME TIMEOUT QEMU-ARGS...: boots, waits for TESSERA-INIT-DONE (or a
# failure), records host seconds from start to TESSERA-INIT-OK in NAME.init
run() {
  local name=$1 timeout=$(( $2 * ${BENCH_TIMEOUT_SCALE:-1} )); shift 2
  local log="$out/$name.log" t0 tinit=
  : >"$log"
  t0=$(date +%s.%N)
  qemu-system-x86_64 "$@" -serial "file:$log" &
  local q=$! end=$(( $(date +%s) + timeout ))
  while kill -0 $q 2>/dev/null; do
    if [ -z "$tinit" ] && grep -aq TESSERA-INIT-OK "$log"; then
      tinit=$(echo "$(date +%s.%N) - $t0" | bc -l 2>/dev/null || python3 -c "print($(date +%s.%N)-$t0)")
    fi
    if grep -aqE "TESSERA-INIT-DONE|init: steps finished|tessera: PANIC|Kernel panic|Panic on CPU" "$log"; then sleep 2; break; fi
    if [ "$(date +%s)" -ge $end ]; then echo "bench/linux.sh: timeout after ${timeout}s" >>"$log"; break; fi
    sleep 0.2
  done
  kill $q 2>/dev/null; wait $q 2>/dev/null
  echo "${tinit:-}" >"$out/$name.init"
}

tessera() {   # MODE [extra qemu args]
  local m=$1; shift
  [ -s "$O/tessera.elf" ] || return
  local mods="$L/vmlinux console=hvc0 earlyprintk=xen tessera_steps=$steps,$L/initramfs.gz"
  run "tessera-$m" 900 "${cpu[@]}" -m 768 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$O/tessera.elf" -append "dom0_mem=256 dom0_initrd" -initrd "$mods" "$@"
}
native() {
  local m=$1; shift
  run "native-$m" 900 "${cpu[@]}" -m 256 -kernel "$L/vmlinuz" -initrd "$L/initramfs.gz" \
    -append "console=ttyS0 tessera_steps=$steps" "$@"
}
tessera_domu() {   # the builder starts the xenstore domain, then the guest
  local m=$1; shift
  [ -s "$O/servers/domain-builder" ] && [ -s "$O/servers/xenstored" ] || return
  local b="$out/tessera-domu"
  mkdir -p "$b"
  printf 'xs.cfg\nbench.cfg\n' >"$b/boot.list"
  printf 'name = "linux"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 256\nextra = "console=hvc0 tessera_out=console tessera_steps=%s"\n' \
    "$steps" >"$b/bench.cfg"
  local mods="$O/servers/runtime.elf,$O/servers/domain-builder --boot boot.list,$b/boot.list boot.list"
  mods+=",tests/linux-domu/xs.cfg xs.cfg,$b/bench.cfg bench.cfg,$O/servers/runtime.elf runtime.elf"
  mods+=",$O/servers/xenstored xenstored,$L/vmlinuz vmlinuz,$L/initramfs.gz initrd.gz"
  run "tessera-domu-$m" 900 "${cpu[@]}" -m 768 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$O/tessera.elf" -append "dom0_mem=192" -initrd "$mods" "$@"
}
xen_domu() {   # Debian's toolstack in a Debian dom0 creates the guest (xl create -c)
  local m=$1; shift
  [ -r "$xengz" ] && [ -s "$O/linux-dom0/initramfs.gz" ] || return
  zcat "$xengz" >"$out/xen"
  run "xen-domu-$m" 1500 "${cpu[@]}" -m 1024 -kernel "$out/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M smap=0 noreboot" \
    -initrd "$O/linux-dom0/vmlinuz console=hvc0 earlyprintk=xen,$O/linux-dom0/initramfs.gz" "$@"
}
xen() {
  local m=$1; shift
  [ -r "$xengz" ] || return
  zcat "$xengz" >"$out/xen"
  run "xen-$m" 900 "${cpu[@]}" -m 768 -kernel "$out/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=256M,max:256M smap=0 noreboot" \
    -initrd "$L/vmlinuz console=hvc0 earlyprintk=xen tessera_steps=$steps,$L/initramfs.gz" "$@"
}

# wall clock one after the other; instruction time is deterministic, so in parallel
load0=$(cut -d' ' -f1-3 /proc/loadavg)
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
mode() { [[ " ${BENCH_MODES:-wall icount} " == *" $1 "* ]]; }
if mode wall; then
  steps=$wall_steps
  want xen_domu && dom0_initramfs
  for p in native xen_domu tessera_domu xen tessera; do want $p && $p wall; done
  echo "$load0 -> $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/loadavg"
fi
if mode icount; then
  steps=$icount_steps
  want xen_domu && dom0_initramfs
  for p in native xen_domu tessera_domu; do want $p && $p icount "${icount[@]}" & done
  wait
  for p in xen tessera; do want $p && $p icount "${icount[@]}" & done
  wait
fi

# Debian's python (it has python3-matplotlib; a python3 earlier on PATH may not)
/usr/bin/python3 - "$out" "$(cat "$L/version")" "$reps" "$(qemu-system-x86_64 --version | head -n 1)" "$xengz" <<'PY'
import os, re, sys
out, version, reps, qemu, xengz = sys.argv[1:6]
plats = [("native", "native"), ("xen-domu", "Xen 4.17 domU"), ("tessera-domu", "Tessera domU"),
         ("xen", "Xen 4.17 dom0"), ("tessera", "Tessera first domain")]
pairs = [("xen-domu", "tessera-domu", "domU vs domU (as users run guests)"),
         ("xen", "tessera", "Tessera's first domain vs Xen's dom0")]
order = ["null_syscall", "fork_exit", "fork_exec", "pipe_pingpong", "page_fault", "mmap_64m", "cpu_loop"]
rx = re.compile(r"bench: name=(\w+) iters=(\d+) ns_per_op=([0-9.]+)")

def load(p, mode):
    r, path = {}, os.path.join(out, "%s-%s.log" % (p, mode))
    if os.path.exists(path):
        for line in open(path, errors="replace"):
            m = rx.search(line)
            if m:
                r.setdefault(m.group(1), []).append((int(m.group(2)), float(m.group(3))))
    # median of the repetitions, and their spread (max/min - 1)
    r = {k: (v[0][0], sorted(x[1] for x in v)[len(v) // 2],
             max(x[1] for x in v) / min(x[1] for x in v) - 1 if min(x[1] for x in v) > 0 else 0)
         for k, v in r.items()}
    init = None
    try:
        s = open(os.path.join(out, "%s-%s.init" % (p, mode))).read().strip()
        init = float(s) if s else None
    except OSError:
        pass
    return r, init

def fmt(v):
    return "—" if v is None else ("%.0f" % v if v >= 100 else "%.3f" % v)

def spread(x):
    return "" if not x or x[2] < 0.005 else " ±%.0f%%" % (100 * x[2] / 2)

print("Debian cloud kernel %s, same initramfs everywhere; %s; `-machine q35 -accel tcg "
      "-cpu max,la57=off`, one vCPU, 256 MiB for Linux. The domUs: Tessera's built by the "
      "domain builder with the xenstore domain running; Xen's created by `xl create` in a dom0 "
      "of Debian's generic kernel and Debian's xen-utils-4.17 (bench/xen-domu/). ns per "
      "operation as the guest's CLOCK_MONOTONIC measures it; on the wall clock each value is the "
      "median of %s runs in one boot (± half the spread between runs), counts calibrated to "
      ">= 1 s each; in instruction time (1 ns = 1 instruction, deterministic) one run with fixed "
      "counts; overhead ratio = (Tessera − native) / "
      "(Xen − native), goal ≤ 0.7 (CPU-bound: Tessera within 2%% of native). %s.\n" % (
          version, qemu, reps, os.path.basename(xengz)))
ratios = {}
for mode, title in [("wall", "Wall clock"), ("icount", "Instruction time (`-icount shift=0,sleep=off`)")]:
    data = {p: load(p, mode) for p, _ in plats}
    if mode == "wall":
        la = open(os.path.join(out, "loadavg")).read().strip() if os.path.exists(os.path.join(out, "loadavg")) else "?"
        print("Host load average (1/5/15 min) before and after the wall-clock runs: %s on %d CPUs; "
              "wall-clock ratios move with it, the instruction-time tables do not.\n" % (la, os.cpu_count()))
    for xk, tk, ptitle in pairs:
        print("### %s: %s\n" % (title, ptitle))
        print("| benchmark | iters | native ns/op | Xen ns/op | Tessera ns/op | Xen/native | Tessera/native | overhead ratio | goal |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for b in order:
            v = {p: data[p][0].get(b) for p in ("native", xk, tk)}
            ns = {p: (x[1] if x else None) for p, x in v.items()}
            iters = next((x[0] for x in v.values() if x), None)
            n, x, t = ns["native"], ns[xk], ns[tk]
            xr = x / n if n and x else None
            tr = t / n if n and t else None
            ov = (t - n) / (x - n) if n and x and t and x != n else None
            if b == "cpu_loop":
                goal = "—" if tr is None else ("met" if tr <= 1.02 else "missed")
            else:
                goal = "—" if ov is None else ("met" if ov <= 0.7 else "missed")
            if ov is not None and b != "cpu_loop":
                ratios[(mode, xk, b)] = ov
            print("| %s | %s | %s%s | %s%s | %s%s | %s | %s | %s | %s |" % (
                b, iters or "—", fmt(n), spread(v["native"]), fmt(x), spread(v[xk]), fmt(t), spread(v[tk]),
                "—" if xr is None else "%.2f×" % xr, "—" if tr is None else "%.2f×" % tr,
                "—" if ov is None or b == "cpu_loop" else "%.2f" % ov, goal))
        inits = {p: data[p][1] for p in ("native", xk, tk)}
        print("| host s from QEMU start to /init | | %s | %s | %s | | | | |\n" % tuple(
            "—" if inits[p] is None else "%.1f" % inits[p] for p in ("native", xk, tk)))
    missing = [name for p, name in plats if not data[p][0]]
    if missing:
        print("No results (%s) from: %s (logs in %s).\n" % (mode, ", ".join(missing), out))

# The plot: overhead ratio per row, both lenses, both pairs (PNG beside the report).
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [b for b in order if b != "cpu_loop"]
    series = [(m, xk, "%s, %s" % ({"wall": "wall clock", "icount": "instructions"}[m],
                                  "domU" if xk == "xen-domu" else "first domain/dom0"))
              for m in ("wall", "icount") for xk in ("xen-domu", "xen")]
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

#!/usr/bin/env bash
# make bench (via tests/bench.sh): disk I/O of the same Linux guest kernel
# (Debian's cloud kernel, the test initramfs, bench/linux/diskio on a raw
# block device, O_DIRECT, one request at a time) on four platforms, each on
# a fresh raw image of the same size behind QEMU's virtio-blk-pci
# (cache=writeback), one boot per measurement:
#   tessera: a domU on /dev/xvda through blkback in its service domain (the
#            stack of tests/suites/62-linux-blkback.sh; the virtio-blk
#            function under QEMU's Intel IOMMU, as blkback requires), with
#            blkback's default (grant copy)
#   tessera-pg: as tessera, blkback with persistent grants (persistent=1056)
#   xen:     a domU on /dev/xvda of Debian's Xen 4.17 through Linux's blkback
#            in a Debian dom0 (bench/xen-domu/, DOMU_DISK=/dev/vda: the
#            generic kernel's virtio-blk and xen-blkback, xl create)
#   native:  the guest kernel on /dev/vda with virtio-blk directly
# sequential 1 MiB writes and reads, 4 KiB random writes and reads (each
# write phase ends with fsync), in BENCH_DISK_REPS (default 3) rounds per
# lens, the platforms alternating within a round (each round starts one
# platform later), the host's load average recorded around every boot.
# Lenses: wall clock (the guest's clock), host CPU time (the seconds QEMU's
# process, all its threads, used from a phase's start to its end: the
# host's other load taken out), and instruction time with device time
# (-icount shift=0,sleep=on: 1 ns per guest instruction, and the real time
# the guest waits idle for the device).
# BENCH_DISK_MIB (default 64) and BENCH_DISK_OPS (default 2000) size it;
# BENCH_DISK_MODES="wall icount" picks the lenses, BENCH_DISK_PLATS="native
# xen tessera tessera-pg" the platforms (empty: only the report).  Writes a Markdown section to
# stdout; logs go to $O/bench/blkback/ (NAME-MODE-ROUND.log, rounds.tsv,
# NAME-MODE-ROUND.cpu).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export TESSERA_ACCEL=tcg
out="$O/bench/blkback"
mkdir -p "$out"
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench-bb.XXXXXX")
log=$out/serial.log
. tests/linux-domu/lib.sh
trap cleanup EXIT
mib=${BENCH_DISK_MIB:-64} ops=${BENCH_DISK_OPS:-2000}
modes=${BENCH_DISK_MODES:-wall icount}
plats=${BENCH_DISK_PLATS-native xen tessera tessera-pg}   # empty: no runs, the report of the logs there are
reps=${BENCH_DISK_REPS:-3}
pgrants=1056 # tessera-pg's persistent= (Linux blkback's max_persistent_grants)
env_words="diskio_mib=$mib diskio_ops=$ops"
L=$O/linux
V=$O/linux-virtio # the cloud kernel's virtio modules, for the native run
X=$O/linux-dom0
xengz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
vmods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"
cpu=(-machine q35 -accel tcg -cpu max,la57=off -smp 1 -display none -no-reboot -monitor none)

echo "## Disk I/O of a Linux guest: Tessera domU vs Xen 4.17 domU vs native virtio-blk"
echo
linux_prepare >"$out/prepare.log" 2>&1
FLAVOUR=cloud-amd64 DST="$V" MODULES="$vmods" bash guests/linux/fetch.sh >"$out/fetch-virtio.log" 2>&1 ||
  echo "No native column: the cloud kernel's virtio modules could not be had (see $out/fetch-virtio.log)."
DOMU_DISK=/dev/vda OUT="$X/initramfs-disk.gz" \
  bash bench/xen-domu/dom0-initramfs.sh "modules,bench-diskio:/dev/xvda,sleep:2,poweroff" "$env_words" >"$out/dom0-initramfs.log" 2>&1 ||
  echo "No Xen column: bench/xen-domu/dom0-initramfs.sh failed (see $out/dom0-initramfs.log)."

# The native guest: the test initramfs with a second cpio appended (Linux
# unpacks both) holding the virtio modules and /bench/vdisk, which loads
# them and runs diskio on /dev/vda.
native_initrd() {
  local rel spec=$t/native.spec
  rel=$(cat "$L/release")
  cat >"$t/vdisk" <<SH
#!/bin/sh
for m in $vmods; do insmod /lib/modules/$rel/\$m.ko || echo "vdisk: insmod \$m failed"; done
i=0; while [ ! -b /dev/vda ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
exec /bench/diskio /dev/vda
SH
  { echo "dir /bench 755"; echo "file /bench/vdisk $t/vdisk 755"
    for m in $vmods; do echo "file /lib/modules/$rel/$m.ko $V/modules/$m.ko 644"; done; } >"$spec"
  python3 guests/linux/mkcpio.py <"$spec" | gzip -6 -n >"$t/extra.gz" &&
    cat "$t/initrd.gz" "$t/extra.gz" >"$t/native.gz"
}

# run NAME TIMEOUT QEMU-ARGS...: one boot to TESSERA-INIT-DONE (or a failure).
run() {
  local name=$1 timeout=$2 rlog="$out/$1.log"; shift 2
  : >"$rlog"
  qemu-system-x86_64 "$@" -serial "file:$rlog" &
  local q=$! end=$(( $(date +%s) + timeout ))
  cpu_watch $q "$rlog"
  while kill -0 $q 2>/dev/null; do
    grep -aqE "TESSERA-INIT-DONE|init: steps finished|Kernel panic|Panic on CPU" "$rlog" && { sleep 2; break; }
    [ "$(date +%s)" -ge $end ] && { echo "bench/blkback.sh: timeout after ${timeout}s" >>"$rlog"; break; }
    sleep 0.5
  done
  kill $q 2>/dev/null; wait $q 2>/dev/null
}

fresh() { rm -f "$1"; truncate -s $(( (mib + 64) << 20 )) "$1"; }

# (Each guest sleeps 2 s after diskio, so QEMU still runs when the watcher
# sees the last phase's line.)
# cpu_watch PID LOG: in the background until PID ends, one line in LOG's .cpu
# file (host time, CPU seconds of process PID, the line) for each
# "diskio: start" or "bench: name=" line LOG gains: a phase's host CPU time is
# the difference between its line and the one before.  /proc/PID/stat counts
# every thread of QEMU, ended ones too (vCPU, I/O workers, main loop): for
# an I/O benchmark the vCPU thread alone would miss the device's work.
cpu_watch() {
  python3 - "$1" "$2" "${2%.log}.cpu" <<'PY' &
import os, sys, time
pid, log, cpu_out = sys.argv[1:4]
hz, seen = os.sysconf("SC_CLK_TCK"), 0
with open(cpu_out, "w") as out:
    while True:
        try:
            lines = [l.strip() for l in open(log, "rb").read().decode(errors="replace").splitlines()
                     if "diskio: start" in l or "bench: name=" in l]
            st = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        except OSError:
            break
        cpu = (int(st[11]) + int(st[12])) / hz
        for l in lines[seen:]:
            out.write("%.3f\t%.2f\t%s\n" % (time.time(), cpu, l))
            out.flush()
        seen = len(lines)
        time.sleep(0.05)
PY
}

native() {   # MODE [qemu args]
  local m=$1; shift
  [ -s "$t/native.gz" ] || return
  fresh "$out/native.img"
  run "native-$m" 1200 "${cpu[@]}" -m 256 -kernel "$L/vmlinuz" -initrd "$t/native.gz" \
    -append "console=ttyS0 $env_words tessera_steps=bench-vdisk,sleep:2,poweroff" \
    -drive "file=$out/native.img,if=none,id=vd0,format=raw,cache=writeback" \
    -device virtio-blk-pci,drive=vd0,disable-legacy=on "$@"
}

xen() {
  local m=$1; shift
  [ -r "$xengz" ] && [ -s "$X/initramfs-disk.gz" ] || return
  zcat "$xengz" >"$t/xen"
  fresh "$out/xen.img"
  run "xen-$m" 2400 "${cpu[@]}" -m 1024 -kernel "$t/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M smap=0 noreboot" \
    -initrd "$X/vmlinuz console=hvc0 earlyprintk=xen,$X/initramfs-disk.gz" \
    -drive "file=$out/xen.img,if=none,id=vd0,format=raw,cache=writeback" \
    -device virtio-blk-pci,drive=vd0,disable-legacy=on "$@"
}

# tessera NAME PERSISTENT MODE [qemu args]: the stack of 62-linux-blkback
# with the bench guest; PERSISTENT is blkback's persistent= (0: grant copy
# for every request, no feature-persistent)
tessera() {
  local name=$1 pg=$2 m=$3; shift 3
  log=$out/$name-$m.log
  fresh "$out/tessera.img"
  printf 'name = "linux"\nkernel = "vmlinuz"\nramdisk = "initrd.gz"\nmemory = 256\n%s\n%s\n' \
    "extra = \"console=hvc0 tessera_out=console $env_words tessera_steps=modules,bench-diskio:/dev/xvda,sleep:2,poweroff\"" \
    'disk = [ "vdev=xvda, access=rw, target=data" ]' >"$t/bench-disk.cfg"
  sed -E "s|(\"blkback [^\"]*)\"|\\1 persistent=$pg\"|" "$D/blkback.cfg" >"$t/blkback.cfg"   # the last persistent= counts
  printf 'create data %dM\n' "$mib" >"$t/bbcmds"
  BOOT_MODULES="$O/servers/blkback:blkback $t/bbcmds:bbcmds $t/bench-disk.cfg:bench-disk.cfg $t/blkback.cfg:blkback.cfg" \
  BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$out/tessera.img,if=none,id=vd0,format=raw,cache=writeback
    -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0 $*" \
  QEMU_TIMEOUT=2400 boot blkback.list 1024 xs.cfg >"$out/boot-$name-$m.log" 2>&1
  local qemu= i
  for i in $(seq 50); do
    qemu=$(pgrep -s "$qpid" -x qemu-system-x86 | head -n 1)
    [ -n "$qemu" ] && break
    qemu=$(pgrep -s "$qpid" qemu-system | head -n 1)
    [ -n "$qemu" ] && break
    sleep 0.2
  done
  [ -n "$qemu" ] && cpu_watch "$qemu" "$log"
  if wait_re "^\(d0\) \(d[0-9]+\) blkback: serving " 900 >>"$out/boot-$name-$m.log"; then
    xl create bench-disk.cfg >"$out/create-$name-$m.log" 2>&1
    local id
    id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' "$out/create-$name-$m.log")
    wait_re "^\(d0\) \(d$id\) TESSERA-INIT-DONE" 2400 >>"$out/boot-$name-$m.log" 2>&1
  fi
  kill -KILL -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
}

native_initrd
# A run replaces its platforms' logs and rounds.tsv rows of its lenses and
# keeps the others' (BENCH_DISK_PLATS=tessera-pg alone: the table still has
# every column, from the earlier run's logs).
[ -s "$out/rounds.tsv" ] || printf 'mode\tround\tplatform\thost_s\tload_before\tload_after\n' >"$out/rounds.tsv"
for m in $modes; do
  for p in $plats; do
    rm -f "$out/$p-$m"-[0-9]*.log "$out/$p-$m"-[0-9]*.cpu
    awk -F'\t' -v m="$m" -v p="$p" '!($1 == m && $3 == p)' "$out/rounds.tsv" >"$t/rounds" && cp "$t/rounds" "$out/rounds.tsv"
  done
done
for m in $modes; do
  extra=()
  [ "$m" = icount ] && extra=(-icount shift=0,sleep=on)
  for r in $(seq "$reps"); do
    order=($plats)
    n=${#order[@]} k=$(( (r - 1) % n ))
    order=("${order[@]:k}" "${order[@]:0:k}")   # round r starts one platform later
    for p in "${order[@]}"; do
      l0=$(cut -d' ' -f1-3 /proc/loadavg) t0=$(date +%s.%N)
      case $p in
        native) native "$m-$r" "${extra[@]}" ;;
        xen) xen "$m-$r" "${extra[@]}" ;;
        tessera) tessera tessera 0 "$m-$r" "${extra[@]}" ;;
        tessera-pg) tessera tessera-pg "$pgrants" "$m-$r" "${extra[@]}" ;;
      esac
      printf '%s\t%s\t%s\t%.1f\t%s\t%s\n' "$m" "$r" "$p" "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$l0" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/rounds.tsv"
    done
  done
done

/usr/bin/python3 - "$out" "$mib" "$ops" "$(qemu-system-x86_64 --version | head -n 1)" \
  "$(cat "$L/release")" "$modes" "$reps" <<'PY'
import os, re, statistics, sys
out, mib, ops, qemu, rel, modes, reps = sys.argv[1:8]
reps = int(reps)
rx = re.compile(r"bench: name=(\w+) iters=(\d+) ns_per_op=([0-9.]+)")
rows = [("disk_seq_write_1m", "sequential write, 1 MiB", "MiB/s"),
        ("disk_seq_read_1m", "sequential read, 1 MiB", "MiB/s"),
        ("disk_rand_write_4k", "random write, 4 KiB", "IOPS"),
        ("disk_rand_read_4k", "random read, 4 KiB", "IOPS")]
plats = ["native", "xen", "tessera", "tessera-pg"]

# The true TSC rate (a native guest's refined calibration, else the
# host's): a Tessera whose boot-time TSC calibration went wrong on a loaded
# host ("tessera: TSC N kHz") runs its guests' clocks that much slow, so its
# guest-clock rates are scaled by calibrated/true (said under the table).
def true_khz():
    for r in range(1, 100):
        try:
            for line in open(os.path.join(out, "native-wall-%d.log" % r), errors="replace"):
                m = re.search(r"Refined TSC clocksource calibration: ([0-9.]+) MHz", line)
                if m:
                    return float(m.group(1)) * 1000
        except OSError:
            pass
    for line in open("/proc/cpuinfo"):
        if line.startswith("cpu MHz"):
            return float(line.split(":")[1]) * 1000
    return None

notes = []
def guest(p, mode, r):
    """{phase: ns per op by the guest's clock}"""
    res, path = {}, os.path.join(out, "%s-%s-%d.log" % (p, mode, r))
    if not os.path.exists(path):
        return res
    scale = 1.0
    for line in open(path, errors="replace"):
        t = re.search(r"^tessera: TSC ([0-9]+) kHz", line)
        if t and mode == "wall" and true_khz() and abs(float(t.group(1)) / true_khz() - 1) > 0.01:
            scale = float(t.group(1)) / true_khz()
            notes.append("%s round %d: Tessera calibrated its TSC at %.0f MHz (true %.0f MHz): its rates are "
                         "divided by %.2f" % (p, r, float(t.group(1)) / 1000, true_khz() / 1000, scale))
        m = rx.search(line)
        if m:
            res[m.group(1)] = float(m.group(3)) * scale
    return res

def hostcpu(p, r):
    """{phase: host CPU ns of QEMU's process per op} from NAME-wall-R.cpu"""
    res, path = {}, os.path.join(out, "%s-wall-%d.cpu" % (p, r))
    if not os.path.exists(path):
        return res
    prev = None
    for line in open(path, errors="replace"):
        f = line.rstrip("\n").split("\t", 2)
        if len(f) < 3:
            continue
        cpu, text = float(f[1]), f[2]
        m = rx.search(text)
        if m and prev is not None:
            res[m.group(1)] = (cpu - prev) * 1e9 / int(m.group(2))
        prev = cpu if ("diskio: start" in text or m) else None
    return res

def rate(ns, key):   # per 1 MiB or per 4 KiB request
    return 1e9 / ns if ns else None

def fmt(v, unit):
    return "—" if v is None else (("%.0f" if v >= 100 else "%.1f") % v + (" " + unit if unit else ""))

loads = []
try:
    for l in list(open(os.path.join(out, "rounds.tsv")))[1:]:
        f = l.rstrip("\n").split("\t")
        loads += [float(f[4].split()[0]), float(f[5].split()[0])]
except (OSError, IndexError, ValueError):
    pass

print("Debian cloud kernel %s as the guest everywhere; %s, `-machine q35 -accel tcg -cpu max,la57=off`, "
      "one vCPU, 256 MiB for the guest; a fresh raw image per boot (cache=writeback); "
      "`bench/linux/diskio` on the raw device, O_DIRECT, queue depth 1, %s MiB sequential and %s random "
      "4 KiB operations per phase (each write phase ends with fsync). Tessera: blkback with its default "
      "(grant copy for every segment), and with persistent grants (`persistent=1056`). %d rounds per lens "
      "(this run's; a column from an earlier run may have more), "
      "one boot per platform and round, the platforms alternating (round r starts one platform later); each "
      "cell is the median over rounds, with the range (min–max) in brackets; the ratios are of medians, "
      "with the range of each round's own ratio. Host load average (1 min) around the boots: %s on %d CPUs "
      "(every boot's in rounds.tsv).\n" % (
          rel, qemu, mib, ops, reps,
          ("%.2f to %.2f, median %.2f" % (min(loads), max(loads), statistics.median(loads))) if loads else "—",
          os.cpu_count()))

lenses = []
if "wall" in modes.split():
    lenses += [("wall", "Wall clock (the guest's clock)", lambda p, r: guest(p, "wall", r)),
               ("cpu", "Host CPU time (QEMU's process, all threads, per operation: the host's other load "
                       "taken out)", hostcpu)]
if "icount" in modes.split():
    lenses += [("icount", "Instruction time with device time (`-icount shift=0,sleep=on`)",
                lambda p, r: guest(p, "icount", r))]
for lens, title, get in lenses:
    mode = "wall" if lens == "cpu" else lens
    n = max([reps] + [int(m.group(1)) for f in os.listdir(out)
                      for m in [re.match(r"[a-z-]+-%s-(\d+)\.log$" % mode, f)] if m])
    runs = {p: [get(p, r) for r in range(1, n + 1)] for p in plats}
    print("### %s\n" % title)
    print("| | native | Xen 4.17 domU | Tessera domU | Tessera, persistent grants | Tessera / Xen (rounds) "
          "| Tessera / native | persistent / grant copy (rounds) | goal (Tessera ≥ 1.2× Xen) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for key, name, unit in rows:
        per = {p: [rate(x.get(key), key) for x in runs[p]] for p in plats}
        med = {p: (statistics.median([v for v in per[p] if v]) if any(per[p]) else None) for p in plats}
        def cell(p):
            v = [x for x in per[p] if x]
            if not v:
                return "—"
            return fmt(med[p], unit) + (" (%s–%s)" % (fmt(min(v), ""), fmt(max(v), "")) if len(v) > 1 else "")
        def ratio(a, b):
            if not med[a] or not med[b]:
                return "—"
            rr = [x / y for x, y in zip(per[a], per[b]) if x and y]
            return "%.2f×" % (med[a] / med[b]) + (" (%.2f–%.2f)" % (min(rr), max(rr)) if len(rr) > 1 else "")
        tx = med["tessera"] / med["xen"] if med["tessera"] and med["xen"] else None
        goal = "—" if tx is None else ("met" if tx >= 1.2 else "missed")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, cell("native"), cell("xen"), cell("tessera"), cell("tessera-pg"), ratio("tessera", "xen"),
            ratio("tessera", "native"), ratio("tessera-pg", "tessera"), goal))
    for n in notes:
        print("\n" + n + ".")
    notes.clear()
    missing = [p for p in plats if not any(runs[p])]
    if missing:
        print("\nNo results (%s) from: %s (logs in %s)." % (lens, ", ".join(missing), out))
    print()
PY

#!/usr/bin/env bash
# make bench (via tests/bench.sh): disk I/O of the same Linux guest kernel
# (Debian's cloud kernel, the test initramfs, bench/linux/diskio on a raw
# block device, O_DIRECT, one request at a time) on three platforms, each on
# a fresh raw image of the same size behind QEMU's virtio-blk-pci
# (cache=writeback), one boot each:
#   tessera: a domU on /dev/xvda through blkback in its service domain (the
#            stack of tests/suites/62-linux-blkback.sh; the virtio-blk
#            function under QEMU's Intel IOMMU, as blkback requires)
#   xen:     a domU on /dev/xvda of Debian's Xen 4.17 through Linux's blkback
#            in a Debian dom0 (bench/xen-domu/, DOMU_DISK=/dev/vda: the
#            generic kernel's virtio-blk and xen-blkback, xl create)
#   native:  the guest kernel on /dev/vda with virtio-blk directly
#   tessera-copy: as tessera, blkback with persistent=0 (grant copy only)
# sequential 1 MiB writes and reads, 4 KiB random writes and reads (each
# write phase ends with fsync), in two lenses: wall clock and instruction
# time (-icount shift=0,sleep=off: the guest's clock counts instructions).
# BENCH_DISK_MIB (default 64) and BENCH_DISK_OPS (default 2000) size it;
# BENCH_DISK_MODES="wall icount" picks the lenses, BENCH_DISK_PLATS="native
# xen tessera tessera-copy" the platforms.  Writes a Markdown section
# to stdout; logs go to $O/bench/blkback/.
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
plats=${BENCH_DISK_PLATS:-native xen tessera tessera-copy}
pgrants=1056 # blkback's default persistent= (Linux blkback's max_persistent_grants)
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
  bash bench/xen-domu/dom0-initramfs.sh "modules,bench-diskio:/dev/xvda,poweroff" "$env_words" >"$out/dom0-initramfs.log" 2>&1 ||
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
  while kill -0 $q 2>/dev/null; do
    grep -aqE "TESSERA-INIT-DONE|init: steps finished|Kernel panic|Panic on CPU" "$rlog" && { sleep 2; break; }
    [ "$(date +%s)" -ge $end ] && { echo "bench/blkback.sh: timeout after ${timeout}s" >>"$rlog"; break; }
    sleep 0.5
  done
  kill $q 2>/dev/null; wait $q 2>/dev/null
}

fresh() { rm -f "$1"; truncate -s $(( (mib + 64) << 20 )) "$1"; }

native() {   # MODE [qemu args]
  local m=$1; shift
  [ -s "$t/native.gz" ] || return
  fresh "$out/native.img"
  run "native-$m" 1200 "${cpu[@]}" -m 256 -kernel "$L/vmlinuz" -initrd "$t/native.gz" \
    -append "console=ttyS0 $env_words tessera_steps=bench-vdisk,poweroff" \
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
    "extra = \"console=hvc0 tessera_out=console $env_words tessera_steps=modules,bench-diskio:/dev/xvda,poweroff\"" \
    'disk = [ "vdev=xvda, access=rw, target=data" ]' >"$t/bench-disk.cfg"
  sed "s|commands=/boot/bbcmds\"|commands=/boot/bbcmds persistent=$pg\"|" "$D/blkback.cfg" >"$t/blkback.cfg"
  printf 'create data %dM\n' "$mib" >"$t/bbcmds"
  BOOT_MODULES="$O/servers/blkback:blkback $t/bbcmds:bbcmds $t/bench-disk.cfg:bench-disk.cfg $t/blkback.cfg:blkback.cfg" \
  BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$out/tessera.img,if=none,id=vd0,format=raw,cache=writeback
    -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0 $*" \
  QEMU_TIMEOUT=2400 boot blkback.list 1024 xs.cfg >"$out/boot-$name-$m.log" 2>&1
  if wait_re "^\(d0\) \(d[0-9]+\) blkback: serving " 900 >>"$out/boot-$name-$m.log"; then
    xl create bench-disk.cfg >"$out/create-$name-$m.log" 2>&1
    local id
    id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' "$out/create-$name-$m.log")
    wait_re "^\(d0\) \(d$id\) TESSERA-INIT-DONE" 2400 >>"$out/boot-$name-$m.log" 2>&1
  fi
  kill -KILL -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
}

native_initrd
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for m in $modes; do
  extra=()
  [ "$m" = icount ] && extra=(-icount shift=0,sleep=off)
  for p in $plats; do
    case $p in
      native) native "$m" "${extra[@]}" ;;
      xen) xen "$m" "${extra[@]}" ;;
      tessera) tessera tessera "$pgrants" "$m" "${extra[@]}" ;;
      tessera-copy) tessera tessera-copy 0 "$m" "${extra[@]}" ;;
    esac
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$out" "$mib" "$ops" "$load0 -> $load1" "$(qemu-system-x86_64 --version | head -n 1)" \
  "$(cat "$L/release")" "$modes" <<'PY'
import os, re, sys
out, mib, ops, load, qemu, rel, modes = sys.argv[1:8]
rx = re.compile(r"bench: name=(\w+) iters=(\d+) ns_per_op=([0-9.]+)")
rows = [("disk_seq_write_1m", "sequential write, 1 MiB", "MiB/s"),
        ("disk_seq_read_1m", "sequential read, 1 MiB", "MiB/s"),
        ("disk_rand_write_4k", "random write, 4 KiB", "IOPS"),
        ("disk_rand_read_4k", "random read, 4 KiB", "IOPS")]
plats = [("native", "native virtio-blk"), ("xen", "Xen 4.17 domU"),
         ("tessera", "Tessera domU"), ("tessera-copy", "Tessera domU, grant copy")]

# The true TSC rate (the native guest's refined calibration, else the
# host's): a Tessera whose boot-time TSC calibration went wrong on a loaded
# host ("tessera: TSC N kHz") runs its guests' clocks that much slow, so its
# wall-clock rates are scaled by calibrated/true (said under the table).
def true_khz():
    try:
        for line in open(os.path.join(out, "native-wall.log"), errors="replace"):
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
def load_run(p, mode):
    r, path = {}, os.path.join(out, "%s-%s.log" % (p, mode))
    if os.path.exists(path):
        scale = 1.0
        for line in open(path, errors="replace"):
            t = re.search(r"^tessera: TSC ([0-9]+) kHz", line)
            if t and mode == "wall" and true_khz():
                scale = float(t.group(1)) / true_khz()
                notes.append("%s: Tessera calibrated its TSC at %.0f MHz (true %.0f MHz): its guest's clock ran "
                             "%.2f× slow; its rates are divided by that" % (p, float(t.group(1)) / 1000,
                                                                            true_khz() / 1000, scale))
            m = rx.search(line)
            if m:
                r[m.group(1)] = float(m.group(3)) * scale
    return r

print("Debian cloud kernel %s as the guest everywhere; %s, `-machine q35 -accel tcg -cpu max,la57=off`, "
      "one vCPU, 256 MiB for the guest; a fresh raw image per boot (cache=writeback); "
      "`bench/linux/diskio` on the raw device, O_DIRECT, queue depth 1, %s MiB sequential and %s random "
      "4 KiB operations per phase (each write phase ends with fsync). Tessera: blkback with persistent "
      "grants (its default), and with `persistent=0` (grant copy for every segment). Rates from the guest's "
      "CLOCK_MONOTONIC; under `-icount shift=0,sleep=off` that clock counts instructions (1 ns each) "
      "but also jumps over idle time to the next timer deadline, so a guest waiting for the disk (queue "
      "depth 1: always) is charged timer gaps, not device time: for this I/O-bound benchmark the "
      "instruction-time columns are not a fair comparison (kept for completeness). One "
      "boot per platform and lens. Host load average before -> after: %s.\n" % (rel, qemu, mib, ops, load))
for mode in modes.split():
    data = {p: load_run(p, mode) for p, _ in plats}
    title = "Wall clock" if mode == "wall" else "Instruction time (`-icount shift=0,sleep=off`)"
    print("### %s\n" % title)
    print("| | native | Xen 4.17 domU | Tessera domU | Tessera, grant copy | Tessera / Xen | Tessera / native "
          "| grant copy / persistent | goal (Tessera ≥ 1.2× Xen) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for key, name, unit in rows:
        rate = {}
        for p, _ in plats:
            ns = data[p].get(key)
            rate[p] = 1e9 / ns if ns else None   # per 1 MiB or per 4 KiB request
        f = lambda v: "—" if v is None else ("%.1f %s" % (v, unit))
        ratio = lambda a, b: "%.2f×" % (rate[a] / rate[b]) if rate[a] and rate[b] else "—"
        tx = rate["tessera"] / rate["xen"] if rate["tessera"] and rate["xen"] else None
        goal = "—" if tx is None else ("met" if tx >= 1.2 else "missed")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, f(rate["native"]), f(rate["xen"]), f(rate["tessera"]), f(rate["tessera-copy"]),
            ratio("tessera", "xen"), ratio("tessera", "native"), ratio("tessera-copy", "tessera"), goal))
    for n in notes:
        print("\n" + n + ".")
    notes.clear()
    missing = [n for p, n in plats if not data[p]]
    if missing:
        print("\nNo results (%s) from: %s (logs in %s)." % (mode, ", ".join(missing), out))
    print()
PY

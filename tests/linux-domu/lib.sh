# Shared by tests/suites/61-linux-domu*.sh on top of tests/suites/lib.sh (sourced
# after suite_init): the Linux kernel and initramfs, the stack booted with the
# domain builder (boot list tests/linux-domu/$BOOT_LIST, normally just the xenstore
# domain), and helpers to drive the guests:
#   linux_prepare         fetch the kernel, build the initramfs, copy both to $t
#   boot LIST MiB CFG...  boot_builder with the builder's boot list, the configs, the
#                         runtime, xenstored, svc, the kernel and the initramfs;
#                         BOOT_MODULES (FILE:ARGS words), BOOT_APPEND (hypervisor
#                         options) and BOOT_QEMU_ARGS (words) add to it
#   con DOMAIN CMD...     tests/linux-domu/console.py (xl console over COM2)
#   out_of N OUT, rc_of N OUT   the N-th command's output lines / exit status
#   destroyed_frames, probe_frames, guest frames after destruction; no_oops NAME
#   records_stack IMG     blkback on a fresh 128 MiB disk image IMG and linux-rec
#                         writing records to its VBD (be, id: their domain ids);
#                         last_acked, wait_acked N S (the restart suites 65, 67)
declare -F suite_init >/dev/null || . tests/suites/lib.sh
XL_T=100
D=tests/linux-domu
# prepare: the kernel (cached by fetch.sh) and a fresh initramfs, copied so
# that another run rewriting build/linux does not change this boot.
linux_prepare() {
  if ! bash guests/linux/fetch.sh >"$t/fetch.out" 2>&1; then
    fail "guests/linux/fetch.sh: $(tail -n 3 "$t/fetch.out" | tr '\n' ' ')"; finish
  fi
  if ! bash guests/linux/initramfs.sh >"$t/initramfs.out" 2>&1; then
    fail "guests/linux/initramfs.sh: $(tail -n 3 "$t/initramfs.out" | tr '\n' ' ')"; finish
  fi
  need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
    "$O/servers/builder-tests/svc" "$O/servers/xenstored" "$O/linux/vmlinuz"
  cp "$O/linux/vmlinuz" "$t/vmlinuz"; cp "$O/linux/initramfs.gz" "$t/initrd.gz"
  release=$(cat "$O/linux/release")
}

# boot BOOT_LIST MEM_MiB CFG...: the stack in QEMU, in the background.
# BOOT_MODULES (FILE:ARGS words), BOOT_APPEND (hypervisor options) and
# BOOT_QEMU_ARGS (words) add to it.
boot() {
  local list=$1 mem=$2 f m mods=()
  shift 2
  mods=("$D/$list:$list")
  for f in "$@"; do mods+=("$D/$f:$f"); done
  mods+=("$O/servers/runtime.elf:runtime.elf" "$O/servers/xenstored:xenstored"
         "$O/servers/builder-tests/svc:svc" "$t/vmlinuz:vmlinuz" "$t/initrd.gz:initrd.gz")
  for m in ${BOOT_MODULES:-}; do mods+=("$m"); done
  QEMU_ARGS=${BOOT_QEMU_ARGS:-} QEMU_TIMEOUT=${QEMU_TIMEOUT:-400} \
    boot_builder "$mem" "dom0_mem=192 ${BOOT_APPEND:-}" "$list" "${mods[@]}"
}
con() { timeout 300 python3 "$D/console.py" -s "$sock" -t 120 "$@"; }
# the n-th command's output lines (console.py prints "n: LINE" and "n rc: RC")
out_of() { sed -n "s/^$1: //p" <<<"$2"; }
rc_of() { sed -n "s/^$1 rc: //p" <<<"$2"; }
# destroyed_frames DOMID: F of the last "tessera: domain N destroyed, free frames F"
destroyed_frames() {
  slog | sed -nE "s/^tessera: domain $1 destroyed, free frames ([0-9]+)$/\1/p" | tail -n 1
}
# probe_frames: creates and destroys a small runtime domain; echoes the free
# frames the hypervisor reports after its destruction (the idle baseline)
probe_frames() {
  local id n
  id=$(xl create probe.cfg | sed -n 's/^created domain \([0-9]*\) .*/\1/p')
  [ -n "$id" ] || return 1
  n=$(nlines "^tessera: domain $id destroyed, free frames")
  sleep 2
  xl destroy probe >/dev/null
  wait_more "^tessera: domain $id destroyed, free frames" "$n" 30 || return 1
  destroyed_frames "$id"
}
no_oops() {
  if slog | grep -aqE '^\(d0\) \(d[0-9]+\) \[ *[0-9.]+\] (BUG:|Oops|Kernel panic|WARNING:)'; then
    fail "$1: $(slog | grep -aE '^\(d0\) \(d[0-9]+\) \[ *[0-9.]+\] (BUG:|Oops|Kernel panic|WARNING:)' | head -n 1)"
  else
    ok "$1"
  fi
}
# records_bad IMG OFFSET LAST: how many of the records 0..LAST that the
# guest's "records" step wrote (one 512-byte sector each, from byte OFFSET
# of IMG) are not in the image
records_bad() {
  python3 - "$1" "$2" "$3" <<'PY'
import hashlib, sys
img, off, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(img, 'rb') as f:
    f.seek(off)
    d = f.read((last + 1) * 512)
bad = 0
for i in range(last + 1):
    want = 'TESSERA-RECORD %06d %s\n' % (i, hashlib.md5(b'record %d\n' % i).hexdigest())
    if d[i * 512:i * 512 + len(want)] != want.encode():
        bad += 1
print(bad)
PY
}

# records_stack IMG: xenstore, blkback on the virtio-blk function 00:04.0 over
# a fresh 128 MiB image IMG (bbcmds: VBDs data and recs), and linux-rec, whose
# records step writes numbered, fsync'ed records to recs (xvdb); waits until
# record 10 is acknowledged.  Sets be and id (blkback's and the guest's
# domain ids).  A failure ends the suite.
records_stack() {
  rm -f "$1"
  truncate -s 128M "$1"
  BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds:bbcmds" \
  BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$1,if=none,id=vd0,format=raw,cache=writeback
    -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
    boot blkback.list 1024 xs.cfg blkback.cfg linux-rec.cfg
  wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
  wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(blkback\)$" 60 || finish
  be=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
  wait_line "(d0) (d$be) blkback: serving /local/domain/$be/backend/vbd" 90 || finish
  xl create linux-rec.cfg >"$t/create.out" 2>&1
  id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' "$t/create.out")
  check "xl create linux-rec.cfg" "$(cat "$t/create.out")" "created domain $id (linux-rec)"
  wait_line "(d0) (d$be) blkback: d$id device 51728: vbd recs rw, 1 queue" 120 || finish
  wait_acked 10 240 && ok "records stream (record $(last_acked) acknowledged)" ||
    { fail "no record 10 acknowledged"; finish; }
}
# last_acked: the highest record number linux-rec acknowledged so far
last_acked() { slog | sed -nE "s/^\(d0\) \(d$id\) record ([0-9]+) acked$/\1/p" | sort -n | tail -n 1; }
# wait_acked N S: until record N or later is acknowledged (1 after S s)
wait_acked() {
  local end=$(( $(date +%s) + $2 )) a
  while [ "$(date +%s)" -lt "$end" ]; do
    a=$(last_acked); [ -n "$a" ] && [ "$a" -ge "$1" ] && return 0
    sleep 0.2
  done
  return 1
}

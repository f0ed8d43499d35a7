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
#   linux_done NAME        the closing checks (only the builder and xenstore left,
#                         no_oops NAME, no_fail_lines) and finish
#   records_bad IMG OFF LAST [SLOTS]   acknowledged records missing from a disk image
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
linux_done() {
  check "xl list: only the builder and xenstore" "$(xl list | tail -n +2 | awk '{print $1, $2}')" \
    "domain-builder 0
xenstore 1"
  no_oops "$1"
  no_fail_lines
  finish
}
# records_bad IMG OFFSET LAST [SLOTS]: how many of the records 0..LAST that
# the guest's "records" step wrote are not in the image: record i is one
# 512-byte sector, in slot i mod SLOTS (default 2048, a 1 MiB VBD) from byte
# OFFSET of IMG.  A slot written again holds a later record, so the last
# SLOTS records are the ones that can be looked for; the slot of LAST+1 may
# hold that one instead (written, not yet acknowledged).
records_bad() {
  python3 - "$1" "$2" "$3" "${4:-2048}" <<'PY'
import hashlib, sys
img, off, last, slots = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(img, 'rb') as f:
    f.seek(off)
    d = f.read(slots * 512)
def rec(i):
    return ('TESSERA-RECORD %06d %s\n' % (i, hashlib.md5(b'record %d\n' % i).hexdigest())).encode()
bad = 0
for i in range(max(0, last - slots + 1), last + 1):
    s = d[(i % slots) * 512:(i % slots + 1) * 512]
    if not (s.startswith(rec(i)) or (i + slots == last + 1 and s.startswith(rec(last + 1)))):
        bad += 1
print(bad)
PY
}

# Shared by tests/suites/61-linux-domu*.sh: boots hypervisor + service runtime
# + domain builder (boot list tests/linux-domu/$BOOT_LIST, normally just the
# xenstore domain) with COM2 on a Unix socket, and helpers to drive it:
#   xl ARGS...            scripts/xl-client over COM2
#   con DOMAIN CMD...     tests/linux-domu/console.py (xl console over COM2)
#   wait_line LINE [S]    the serial log gets this exact line (timeout = FAIL)
#   wait_re RE [S]        a line matches
#   line_time ERE [S]     waits for a matching line, sets T to the host time it was seen
# Needs: O, t (temp dir), log; sets sock, qpid.
passed=0 failed=0
ok()   { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
D=tests/linux-domu
# slog: the serial log without CRs, from line FROM+1 on (FROM=$(mark) starts
# a new phase: domain ids are reused, so older lines must not match)
FROM=0
slog() { tr -d '\r' <"$log" 2>/dev/null | tail -n +$((FROM + 1)); }
mark() { tr -d '\r' <"$log" | wc -l; }

# prepare: the kernel (cached by fetch.sh) and a fresh initramfs, copied so
# that another run rewriting build/linux does not change this boot.
linux_prepare() {
  mkdir -p "$O/test-logs"
  if ! bash guests/linux/fetch.sh >"$t/fetch.out" 2>&1; then
    fail "guests/linux/fetch.sh: $(tail -n 3 "$t/fetch.out" | tr '\n' ' ')"; finish
  fi
  if ! bash guests/linux/initramfs.sh >"$t/initramfs.out" 2>&1; then
    fail "guests/linux/initramfs.sh: $(tail -n 3 "$t/initramfs.out" | tr '\n' ' ')"; finish
  fi
  for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
           "$O/servers/builder-tests/svc" "$O/servers/xenstored" "$O/linux/vmlinuz"; do
    [ -f "$f" ] || { fail "$f is missing (run make)"; finish; }
  done
  cp "$O/linux/vmlinuz" "$t/vmlinuz"; cp "$O/linux/initramfs.gz" "$t/initrd.gz"
  release=$(cat "$O/linux/release")
}

# boot BOOT_LIST MEM_MiB CFG...: the stack in QEMU, in the background.
# BOOT_MODULES (FILE:ARGS words), BOOT_APPEND (hypervisor options) and
# BOOT_QEMU_ARGS (words) add to it.
boot() {
  local list=$1 mem=$2; shift 2
  sock=$t/com2.sock
  local mods=(--module "$O/servers/runtime.elf" --module "$O/servers/domain-builder:--boot $list"
              --module "$D/$list:$list")
  for f in "$@"; do mods+=(--module "$D/$f:$f"); done
  mods+=(--module "$O/servers/runtime.elf:runtime.elf" --module "$O/servers/xenstored:xenstored"
         --module "$O/servers/builder-tests/svc:svc" --module "$t/vmlinuz:vmlinuz"
         --module "$t/initrd.gz:initrd.gz")
  local m qargs=()
  for m in ${BOOT_MODULES:-}; do mods+=(--module "$m"); done
  for m in ${BOOT_QEMU_ARGS:-}; do qargs+=(--qemu-arg "$m"); done
  : >"$log"
  setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --append "dom0_mem=192 ${BOOT_APPEND:-}" \
    --mem "$mem" --timeout "${QEMU_TIMEOUT:-400}" --log "$log" --qemu-arg -chardev \
    --qemu-arg "socket,id=c2,path=$sock,server=on,wait=off" \
    --qemu-arg -device --qemu-arg isa-serial,chardev=c2 "${qargs[@]}" >/dev/null 2>&1 &
  qpid=$!
}
cleanup() { [ -n "${qpid:-}" ] && kill -- -"$qpid" 2>/dev/null; rm -rf "$t"; }

wait_line() {
  local end=$(( $(date +%s) + ${2:-120} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if slog | grep -qxF -- "$1"; then ok "log has: $1"; return 0; fi
    sleep 0.5
  done
  fail "log lacks (${2:-120} s): $1"; return 1
}
wait_re() {
  local end=$(( $(date +%s) + ${2:-120} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if slog | grep -qE -- "$1"; then ok "log matches: $1"; return 0; fi
    sleep 0.5
  done
  fail "no log line matches (${2:-120} s): $1"; return 1
}
# line_time ERE [S]: polls every 0.1 s; T = host time (s.d) when a line first matches
line_time() {
  local end=$(( $(date +%s) + ${2:-120} ))
  T=
  while [ "$(date +%s)" -lt "$end" ]; do
    if slog | grep -qE -- "$1"; then T=$(date +%s.%N); T=${T:0:-8}; return 0; fi
    sleep 0.1
  done
  return 1
}
xl() { timeout 120 python3 scripts/xl-client -s "$sock" -t 100 "$@"; }
con() { timeout 300 python3 "$D/console.py" -s "$sock" -t 120 "$@"; }
# the n-th command's output lines (console.py prints "n: LINE" and "n rc: RC")
out_of() { sed -n "s/^$1: //p" <<<"$2"; }
rc_of() { sed -n "s/^$1 rc: //p" <<<"$2"; }
# destroyed_frames DOMID: F of the last "tessera: domain N destroyed, free frames F"
destroyed_frames() {
  slog | sed -nE "s/^tessera: domain $1 destroyed, free frames ([0-9]+)$/\1/p" | tail -n 1
}
# nlines ERE: how many serial log lines match
nlines() { slog | grep -cE -- "$1"; }
# wait_more ERE N [S]: until more than N lines match (quiet; 1 on timeout)
wait_more() {
  local end=$(( $(date +%s) + ${3:-60} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ "$(nlines "$1")" -gt "$2" ] && return 0
    sleep 0.3
  done
  return 1
}
# probe_frames: creates and destroys a small runtime domain; echoes the free
# frames the hypervisor reports after its destruction (the idle baseline)
probe_frames() {
  local id n
  id=$(xl create probe.cfg | sed -n 's/^created domain //p')
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

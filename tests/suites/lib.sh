# Shared by the shell suites (source it after `set -u`): check counters and the
# summary, host unit-test programs, the serial log, booting the hypervisor with the
# domain builder and talking to it over COM2.  See docs/testing.md.
#   suite_init TAG LOGNAME    cd to the top; O, a temp dir $t (removed on exit, QEMU
#                             killed), log=$O/test-logs/LOGNAME
#   ok NAME / fail NAME       one check line; check NAME GOT WANT compares exactly
#   finish                    prints "N passed, M failed" and exits (1 on failures)
#   host_unit BIN ASAN_BIN    builds and runs a host unit-test program (its closing
#                             "N passed, M failed" counts) and its sanitizer build (one check)
#   host_get PORT PATH [md5] [S]  GET http://127.0.0.1:PORT/PATH, retried for S s (default
#                             60): prints the body (or its MD5), or "error: ..." at the end
#   need FILE...              each file exists, else FAIL and finish ("run make")
#   slog, mark, FROM          the log without CRs from line FROM+1 on; FROM=$(mark)
#                             starts a phase (domain ids are reused)
#   wait_line LINE [S]        the log gets this exact line within S s (default 120;
#                             a timeout is a FAIL); wait_re ERE [S]: a line matches.
#                             Both stop early when WAIT_ABORT_RE (if set) matches.
#   line_time ERE [S]         quietly waits; T = the host time (s.d) a line first matched
#   nlines ERE                how many lines match; wait_more ERE N [S]: until more than N
#   no_fail_lines [ERE]       one check: no line matches ERE (default FAIL|PANIC)
#   boot_stack MiB APPEND MODULE...   the hypervisor and its modules (FILE[:ARGS]) in
#                             QEMU in the background (qpid); COM2 on the Unix socket
#                             $sock unless NO_COM2=1; QEMU_TIMEOUT (default 280 s);
#                             QEMU_ARGS: more QEMU arguments (words)
#   boot_builder MiB APPEND BOOT_LIST MODULE...  boot_stack with the service runtime
#                             running the domain builder (--boot BOOT_LIST) first
#   xl ARGS...                scripts/xl-client over COM2 (XL_T s per answer, default 50)
passed=0 failed=0 FROM=0 qpid= sock= t=${t:-}
ok()   { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

suite_init() {
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  O=${O:-build}
  mkdir -p "$O/test-logs"
  t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-$1.XXXXXX")
  log=$O/test-logs/$2
  trap suite_cleanup EXIT
}
suite_cleanup() { [ -n "$qpid" ] && kill -- -"$qpid" 2>/dev/null; rm -rf "$t"; }
cleanup() { suite_cleanup; }            # for suites that set t and log themselves

host_unit() {
  local bin out rc n
  for bin in "$1" "$2"; do
    mkdir -p "$(dirname "$bin")"
    if ! make --no-print-directory -s O="$O" "$bin" >"$bin.build.log" 2>&1; then
      fail "could not build $bin"; tail -5 "$bin.build.log"; continue
    fi
    out=$("$bin" 2>&1); rc=$?
    if [ "$bin" = "$1" ]; then
      echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
      n=$(echo "$out" | sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' | tail -1)
      if [ -z "$n" ]; then fail "$bin printed no summary (exit $rc)"; continue; fi
      passed=$((passed + ${n% *})); failed=$((failed + ${n#* }))
      [ "$rc" -ne 0 ] && [ "${n#* }" -eq 0 ] && fail "$bin exited $rc"
    elif [ "$rc" -eq 0 ] && echo "$out" | grep -q '^[0-9]* passed, 0 failed$'; then
      ok "unit tests clean under ASan/UBSan"
    else
      fail "unit tests under ASan/UBSan"; echo "$out" | grep -v '^ok' | head -20
    fi
  done
}

host_get() {
  python3 - "$@" <<'PY'
import hashlib, sys, time, urllib.request
port, path = sys.argv[1], sys.argv[2].lstrip("/")
md5 = len(sys.argv) > 3 and sys.argv[3] == "md5"
end = time.time() + float(sys.argv[4] if len(sys.argv) > 4 else 60)
while True:
    try:
        d = urllib.request.urlopen("http://127.0.0.1:%s/%s" % (port, path), timeout=60).read()
        print(hashlib.md5(d).hexdigest() if md5 else d.decode(), end="")
        break
    except Exception as e:
        if time.time() > end:
            print("error: %s" % e)
            break
        time.sleep(1)
PY
}

need() {
  local f
  for f in "$@"; do [ -f "$f" ] || { fail "$f is missing (run make)"; finish; }; done
}

slog() { tr -d '\r' <"$log" 2>/dev/null | tail -n +$((FROM + 1)); }
mark() { tr -d '\r' <"$log" | wc -l; }
aborted() { [ -n "${WAIT_ABORT_RE:-}" ] && slog | grep -qE -- "$WAIT_ABORT_RE"; }

# wait_grep GREP_FLAGS PATTERN SECONDS OK_TEXT FAIL_TEXT
wait_grep() {
  local end=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if slog | grep -q"$1" -- "$2"; then ok "$4: $2"; return 0; fi
    aborted && break
    sleep 0.5
  done
  fail "$5 ($3 s): $2"; return 1
}
wait_line() { wait_grep xF "$1" "${2:-120}" "log has" "log lacks"; }
wait_re() { wait_grep E "$1" "${2:-120}" "log matches" "no log line matches"; }
line_time() {
  local end=$(( $(date +%s) + ${2:-120} ))
  T=
  while [ "$(date +%s)" -lt "$end" ]; do
    if slog | grep -qE -- "$1"; then T=$(date +%s.%N); T=${T:0:-8}; return 0; fi
    sleep 0.1
  done
  return 1
}
nlines() { slog | grep -cE -- "$1"; }
wait_more() {
  local end=$(( $(date +%s) + ${3:-60} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ "$(nlines "$1")" -gt "$2" ] && return 0
    sleep 0.3
  done
  return 1
}
no_fail_lines() {
  local re=${1:-FAIL|PANIC} l
  l=$(slog | grep -E -- "$re" | head -n 1)
  if [ -n "$l" ]; then fail "unexpected line: $l"; else ok "no line matches: $re"; fi
}

boot_stack() {
  local mem=$1 append=$2 m mods=() qargs=()
  shift 2
  for m in "$@"; do mods+=(--module "$m"); done
  sock=$t/com2.sock
  [ "${NO_COM2:-0}" = 1 ] || qargs=(--qemu-arg -chardev
    --qemu-arg "socket,id=c2,path=$sock,server=on,wait=off"
    --qemu-arg -device --qemu-arg isa-serial,chardev=c2)
  for m in ${QEMU_ARGS:-}; do qargs+=(--qemu-arg "$m"); done
  : >"$log"
  setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --append "$append" \
    --mem "$mem" --timeout "${QEMU_TIMEOUT:-280}" --log "$log" "${qargs[@]}" >/dev/null 2>&1 &
  qpid=$!
}
boot_builder() {
  local mem=$1 append=$2 list=$3
  shift 3
  boot_stack "$mem" "$append" "$O/servers/runtime.elf" \
    "$O/servers/domain-builder:--boot $list" "$@"
}

xl() {
  local s=${XL_T:-50}
  timeout $((s + s / 5)) python3 scripts/xl-client -s "$sock" -t "$s" "$@"
}

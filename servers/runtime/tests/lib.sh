# Helpers for tests/suites/40-runtime*.sh: boot the hypervisor with the service
# runtime as the first domain and one test program, then check exact lines of the
# serial log (the first domain's console lines carry the prefix "(d0) ").  Run from
# the top of the tree.
. tests/suites/lib.sh                 # checks and counters
O=${O:-build}
log=

# boot_runtime PROGRAM RUNTIME_ARGS PROGRAM_ARGS [FILE[:ARGS]]... (more boot modules)
boot_runtime() {
  local extra=() m
  for m in "${@:4}"; do extra+=(--module "$m"); done
  mkdir -p "$O/test-logs"
  log=$O/test-logs/runtime-$1.serial
  for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/tests/$1"; do
    [ -f "$f" ] || { fail "$f is missing (run make)"; return 1; }
  done
  if bash scripts/qemu.sh --kernel "$O/tessera.elf" --module "$O/servers/runtime.elf:$2" \
       --module "$O/servers/tests/$1:$3" "${extra[@]}" --timeout "${RT_TIMEOUT:-120}" --log "$log" >/dev/null; then
    ok "$1: the runtime domain ended and the hypervisor has no domains left"
  else
    fail "$1: no 'hypervisor still running' line (timeout or panic); see $log"
  fi
  sed -i 's/\r$//' "$log"
}

# expect LINE: the log has exactly this console line of the first domain.
expect() {
  if grep -qxF -- "(d0) $1" "$log"; then ok "log has: $1"; else fail "log lacks: (d0) $1"; fi
}

# expect_count N LINE: the line appears exactly N times.
expect_count() {
  local n
  n=$(grep -cxF -- "(d0) $2" "$log")
  if [ "$n" -eq "$1" ]; then ok "log has $1x: $2"; else fail "log has ${n}x, expected $1x: (d0) $2"; fi
}

# expect_re REGEX: some line matches the extended regular expression.
expect_re() {
  if grep -qE -- "$1" "$log"; then ok "log matches: $1"; else fail "no log line matches: $1"; fi
}

# expect_none REGEX: no line matches.
expect_none() {
  if grep -qE -- "$1" "$log"; then fail "unexpected log line: $(grep -E -- "$1" "$log" | head -n 1)"; else ok "no log line matches: $1"; fi
}

summary() { echo "$passed passed, $failed failed"; }

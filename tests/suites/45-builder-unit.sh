#!/usr/bin/env bash
# Domain-builder host unit tests (config parser, build layout against the
# fake back end, xl command parsing, death policy, console ring, boot
# configuration), plus the same tests under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
. tests/suites/lib.sh
dir=$O/host/domain-builder
host_unit "$dir/db-unit" "$dir/db-unit-asan"
# A short fuzzing run over the config, boot-list and xl-command parsers.
fuzz=$dir/db-fuzz
if command -v clang >/dev/null && make --no-print-directory -s O="$O" "$fuzz" >"$dir/fuzz-build.log" 2>&1; then
  corpus=$(mktemp -d)
  printf '\000name = "a"\nkernel = "k"\nvif = [ "mac=00:16:3e:00:00:01" ]\ndevices = [ "irq=3" ]\n' >"$corpus/cfg"
  printf '\001# boot\na.cfg\nb.cfg\n' >"$corpus/boot"
  printf '\002xl create -c "a b.cfg"' >"$corpus/xl"
  if "$fuzz" -runs=300000 -max_len=4096 "$corpus" >"$dir/fuzz.log" 2>&1; then
    ok "300000 fuzzed parser inputs, no crash (ASan/UBSan)"
  else
    fail "the parser fuzzer found a problem"; tail -20 "$dir/fuzz.log"
  fi
  rm -rf "$corpus"
else
  fail "could not build the fuzzer"
fi
finish

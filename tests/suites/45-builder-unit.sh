#!/usr/bin/env bash
# Domain-builder host unit tests (config parser, build layout against the
# fake back end, xl command parsing, death policy, console ring, boot
# configuration), plus the same tests under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
dir=$O/host/domain-builder
bin=$dir/db-unit
if [ ! -x "$bin" ]; then
  echo "FAIL - $bin not built"
  echo "0 passed, 1 failed"
  exit 1
fi
out=$("$bin")
rc=$?
echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
p=$(echo "$out" | sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
f=$(echo "$out" | sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
p=${p:-0}; f=${f:-1}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL - db-unit exited $rc"; fi

asan=$dir/db-unit-asan
if make --no-print-directory -s O="$O" "$asan" >"$dir/asan-build.log" 2>&1; then
  if aout=$("$asan" 2>&1) && echo "$aout" | grep -q '^[0-9]* passed, 0 failed$'; then
    echo "ok - unit tests clean under ASan/UBSan"; p=$((p + 1))
  else
    echo "FAIL - unit tests under ASan/UBSan"; echo "$aout" | grep -v '^ok' | head -20; f=$((f + 1))
  fi
else
  echo "FAIL - could not build the ASan unit binary"; tail -5 "$dir/asan-build.log"; f=$((f + 1))
fi
# A short fuzzing run over the config, boot-list and xl-command parsers.
fuzz=$dir/db-fuzz
if command -v clang >/dev/null && make --no-print-directory -s O="$O" "$fuzz" >"$dir/fuzz-build.log" 2>&1; then
  corpus=$(mktemp -d)
  printf '\000name = "a"\nkernel = "k"\nvif = [ "mac=00:16:3e:00:00:01" ]\ndevices = [ "irq=3" ]\n' >"$corpus/cfg"
  printf '\001# boot\na.cfg\nb.cfg\n' >"$corpus/boot"
  printf '\002xl create -c "a b.cfg"' >"$corpus/xl"
  if "$fuzz" -runs=300000 -max_len=4096 "$corpus" >"$dir/fuzz.log" 2>&1; then
    echo "ok - 300000 fuzzed parser inputs, no crash (ASan/UBSan)"; p=$((p + 1))
  else
    echo "FAIL - the parser fuzzer found a problem"; tail -20 "$dir/fuzz.log"; f=$((f + 1))
  fi
  rm -rf "$corpus"
else
  echo "FAIL - could not build the fuzzer"; f=$((f + 1))
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

#!/usr/bin/env bash
# Decompressors of servers/lib/decompress: host unit tests (ASan/UBSan) on
# hand-made streams and on fixtures made here with the real gzip and lz4
# tools, gzip, lz4 -l, xz and zstd (text, incompressible data, a 9 MiB file spanning
# two LZ4 legacy blocks, empty input); then the library must build freestanding (no libc
# symbol referenced) and with musl-gcc.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
bin="$O/host/unit/decompress_tests"
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
if ! make --no-print-directory "$bin" >&2; then
  echo "FAIL - build $bin"; echo "0 passed, 1 failed"; exit 1
fi
fx="$O/host/unit/decompress-fixtures"
rm -rf "$fx"; mkdir -p "$fx"
for t in gzip lz4 xz zstd python3; do
  command -v $t >/dev/null || { bad "tool $t present"; }
done
python3 - "$fx" <<'PY'
import random, sys, os
d = sys.argv[1]
r = random.Random(15)
open(os.path.join(d, "empty.raw"), "wb").close()
words = [b"tessera", b"domain", b"grant", b"event", b"channel", b"page", b"frame", b"\n", b" "]
text = b" ".join(r.choice(words) for _ in range(60000))
open(os.path.join(d, "text.raw"), "wb").write(text)
open(os.path.join(d, "text9.raw"), "wb").write(text)
open(os.path.join(d, "random.raw"), "wb").write(r.randbytes(100000))
big = bytearray()
while len(big) < 9 * 1024 * 1024 + 12345:
    big += r.choice(words) * r.randint(1, 40) + r.randbytes(r.randint(0, 64))
open(os.path.join(d, "big.raw"), "wb").write(bytes(big))
PY
for n in empty text random big; do
  gzip -1 -n -c "$fx/$n.raw" >"$fx/$n.gz"
  lz4 -q -l -1 -c "$fx/$n.raw" >"$fx/$n.lz4"
  xz -c --x86 --lzma2=preset=6 "$fx/$n.raw" >"$fx/$n.xz"     # Linux's choice: x86 filter, CRC-32
  zstd -q -c -12 "$fx/$n.raw" >"$fx/$n.zst"
done
zstd -q -c -19 --no-check "$fx/text9.raw" >"$fx/text9.zst"
xz -c -C crc64 --block-size=65536 -9 "$fx/text9.raw" >"$fx/text9.xz"
gzip -9 -n -c "$fx/text9.raw" >"$fx/text9.gz"
lz4 -q -l -12 -c "$fx/text9.raw" >"$fx/text9.lz4"
# Linux appends the uncompressed size to its LZ4 payload
cp "$fx/text.raw" "$fx/textsz.raw"
size_le=$(python3 -c "import struct; print(''.join('\\\\x%02x' % b for b in struct.pack('<I', $(stat -c %s "$fx/text.raw"))))")
{ cat "$fx/text.lz4"; printf "$size_le"; } >"$fx/textsz.lz4"
{ xz -c -C crc32 --x86 --lzma2 "$fx/text.raw"; printf "$size_le"; } >"$fx/textsz.xz"
{ zstd -q -c -3 "$fx/text.raw"; printf "$size_le"; } >"$fx/textsz.zst"
out=$("$bin" "$fx" 2>&1); rc=$?
echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
p=$(echo "$out" | sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
f=$(echo "$out" | sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
[ "$rc" -ne 0 ] && [ "${f:-1}" -eq 0 ] && bad "decompress_tests exited $rc"

# freestanding: no undefined symbol outside the library itself
. <(make --no-print-directory -s -f - print <<'MK'
include servers/lib/decompress/sources.mk
print: ; @echo 'srcs="$(DECOMPRESS_SRCS)"'
MK
)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
objs=()
fs_ok=1
for s in $srcs; do
  o="$tmp/$(basename "$s" .c).o"
  gcc -std=gnu11 -O0 -Wall -Wextra -Werror -ffreestanding -fno-builtin -fno-stack-protector \
    -c "$s" -o "$o" || fs_ok=0
  objs+=("$o")
done
if [ $fs_ok -eq 1 ] && ld -r -o "$tmp/all.o" "${objs[@]}"; then
  und=$(nm -u "$tmp/all.o" | awk '{print $2}' | tr '\n' ' ')
  if [ -z "$und" ]; then ok "library links freestanding (-O0, -fno-builtin): no external symbol"
  else bad "library references external symbols: $und"; fi
else
  bad "library compiles freestanding"
fi
if musl-gcc -std=gnu11 -O2 -static -Wall -Wextra -Werror -Iservers/lib/decompress \
     guests/linux/unpack-kernel.c $srcs -o "$tmp/unpack-musl" &&
   "$tmp/unpack-musl" "$fx/text.lz4" "$tmp/x" 2>/dev/null; [ -x "$tmp/unpack-musl" ]; then
  ok "library and unpack-kernel build with musl-gcc -static"
else
  bad "library builds with musl-gcc -static"
fi
# a short libFuzzer run over every decoder, seeded with the fixtures
fz="$O/host/unit/decompress_fuzz"
if make --no-print-directory "$fz" >"$tmp/fuzz-build.log" 2>&1; then
  mkdir -p "$tmp/corpus"
  for f in empty random; do
    { printf '\377'; cat "$fx/$f.gz"; } >"$tmp/corpus/$f.gz"      # 255 % 9 = 3: gunzip
    { printf '\374'; cat "$fx/$f.lz4"; } >"$tmp/corpus/$f.lz4"    # 252 % 9 = 0: lz4 legacy
    { printf '\371'; cat "$fx/$f.xz"; } >"$tmp/corpus/$f.xz"      # 249 % 9 = 6: xz
    { printf '\373'; cat "$fx/$f.zst"; } >"$tmp/corpus/$f.zst"    # 251 % 9 = 8: zstd
  done
  secs=${DECOMPRESS_FUZZ_SECS:-10}
  if "$fz" -max_total_time="$secs" -rss_limit_mb=1024 "$tmp/corpus" >"$tmp/fuzz.log" 2>&1; then
    ok "libFuzzer: $(grep -o 'Done [0-9]* runs' "$tmp/fuzz.log" | tail -n 1) in ${secs} s without a fault"
  else
    bad "libFuzzer found a fault:"; grep -A5 -E "ERROR|runtime error|deadly" "$tmp/fuzz.log" | head -20
  fi
else
  bad "build the libFuzzer harness"; tail -5 "$tmp/fuzz-build.log"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Debian's unmodified cloud kernel as Tessera's first domain (the core's own
# builder): fetch it from Debian's archive (a failed download is a FAIL),
# check that the project's decompressor unpacks the bzImage to exactly what
# the lz4 tool gives, build the initramfs, boot, and check /init's output
# (marker, uname -r = the package's kernel release, a sane date, a fork/exec
# loop of 200, 64 MiB touched), the poweroff, and that the hypervisor's free
# frame count comes back to its value before the domain.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
L="$O/linux"
logdir="$O/test-logs"; mkdir -p "$logdir"

if bash guests/linux/fetch.sh >"$logdir/60-linux-fetch.out" 2>&1; then
  ok "fetch: $(tail -n 1 "$logdir/60-linux-fetch.out")"
else
  bad "fetch: guests/linux/fetch.sh failed: $(tail -n 3 "$logdir/60-linux-fetch.out" | tr '\n' ' ')"
  finish
fi
release=$(cat "$L/release"); version=$(cat "$L/version")

# the decompressor on the real kernel: same bytes as lz4 -d of the payload
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
read -r poff plen psize < <(python3 - "$L/vmlinuz" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
sects = d[0x1f1] or 4
off = (sects + 1) * 512 + struct.unpack_from("<I", d, 0x248)[0]
ln = struct.unpack_from("<I", d, 0x24c)[0]
print(off, ln, struct.unpack_from("<I", d, off + ln - 4)[0])
PY
)
# Linux appends the uncompressed size to the payload; the lz4 tool does not expect it
tail -c +$((poff + 1)) "$L/vmlinuz" | head -c $((plen - 4)) >"$tmp/payload.lz4"
if lz4 -q -dc "$tmp/payload.lz4" >"$tmp/vmlinux.lz4tool" 2>"$tmp/lz4.err"; then
  check "decompressor: vmlinux identical to lz4 -d of the bzImage payload ($psize bytes)" \
    'cmp -s "$tmp/vmlinux.lz4tool" "$L/vmlinux" && [ "$(stat -c %s "$L/vmlinux")" = "$psize" ]'
else
  bad "lz4 -d of the payload failed: $(cat "$tmp/lz4.err")"
fi
"$O/host/linux/unpack-kernel" "$L/vmlinuz" "$tmp/vmlinux.ours" >"$tmp/unpack.out" 2>&1
check "decompressor: unpack-kernel reports bzimage/lz4-legacy ($(cat "$tmp/unpack.out"))" \
  'grep -qx "bzimage lz4-legacy $psize" "$tmp/unpack.out"'
check "decompressor: result is a 64-bit ELF" \
  '[ "$(head -c 5 "$tmp/vmlinux.ours" | od -An -tx1 | tr -d " ")" = 7f454c4602 ]'

if bash guests/linux/initramfs.sh >"$logdir/60-linux-initramfs.out" 2>&1; then
  ok "initramfs built"
else
  bad "initramfs: $(tail -n 3 "$logdir/60-linux-initramfs.out" | tr '\n' ' ')"; finish
fi
[ -s "$O/tessera.elf" ] || { bad "no $O/tessera.elf"; finish; }

log="$logdir/60-linux-firstdomain.serial"
steps="uname+date+forkloop:200+memtouch:64+poweroff"
start=$(date +%s)
bash scripts/qemu.sh --kernel "$O/tessera.elf" \
  --module "$L/vmlinux:console=hvc0 earlyprintk=xen tessera_steps=$steps" \
  --module "$L/initramfs.gz" --append "dom0_mem=256 dom0_initrd" --mem 768 --timeout 150 \
  --log "$log" >/dev/null &
qs=$!
t_marker=
while kill -0 $qs 2>/dev/null; do
  if [ -z "$t_marker" ] && grep -aq TESSERA-INIT-OK "$log" 2>/dev/null; then
    t_marker=$(( $(date +%s) - start ))
  fi
  sleep 0.2
done
wait $qs
rc=$?
host_now=$(date +%s)
raw=$log; log="$tmp/serial.txt"; tr -d '\r' <"$raw" >"$log"     # the serial log has CRLF
check "boot: QEMU ended with the hypervisor idle, no timeout (rc $rc, $((host_now - start)) s)" \
  '[ $rc -eq 0 ] && ! grep -q "qemu.sh: timeout" "$log"'
check "no hypervisor panic" '! grep -q "tessera: PANIC" "$log"'
g() { grep -a "^(d0) \[ *[0-9.]*\] $1" "$log" | head -n 1 | sed -E 's/^\(d0\) \[ *[0-9.]+\] //'; }
check "marker TESSERA-INIT-OK from /init" '[ -n "$(g TESSERA-INIT-OK)" ]'
t_init=$(grep -a "TESSERA-INIT-OK" "$log" | head -n 1 | sed -nE 's/^\(d0\) \[ *([0-9]+)\..*/\1/p')
# Times are reported, not asserted (a loaded 2-core host makes wall time meaningless);
# bench/linux.sh measures boot time.
check "reached /init before the timeout (guest ${t_init:-?} s, host ${t_marker:-?} s from QEMU start)" \
  '[ -n "$t_init" ] && [ -n "$t_marker" ]'
check "uname -r = $release" '[ "$(g uname-r:)" = "uname-r: $release" ]'
check "uname -v names Debian $version" 'g uname-v: | grep -q "Debian $version "'
gdate=$(g date: | awk '{print $2}')
check "date is sane (guest epoch ${gdate:-?}, host $host_now)" \
  '[ -n "$gdate" ] && [ "$gdate" -gt $((start - 300)) ] && [ "$gdate" -le $((host_now + 300)) ]'
check "fork/exec loop: 200 of 200 done" '[ "$(g forkloop:)" = "forkloop: 200 of 200 done" ]'
check "memory touch: 67108864 bytes" '[ "$(g memtouch:)" = "memtouch: 67108864 bytes touched" ]'
check "steps finished (TESSERA-INIT-DONE)" '[ -n "$(g TESSERA-INIT-DONE)" ]'
check "domain shut down by poweroff" 'grep -qx "tessera: domain 0 shut down: poweroff" "$log"'
before=$(sed -nE 's/^tessera: free frames before domain 0: ([0-9]+)$/\1/p' "$log" | head -n 1)
after=$(sed -nE 's/^tessera: no domains left.*\(free frames ([0-9]+)\)$/\1/p' "$log" | head -n 1)
check "free frames back to the value before the domain (${before:-?} -> ${after:-?})" \
  '[ -n "$before" ] && [ "$before" = "$after" ]'
check "no kernel oops or panic" '! grep -aqE "^\(d0\) \[ *[0-9.]+\] (BUG:|Oops|Kernel panic)" "$log"'
finish

#!/usr/bin/env bash
# Conformance guest conform-debug (guests/conform/): debug registers and #DB (breakpoints,
# watchpoints, single step, MOV SS + syscall/int), vm_assist and the virtual IOPL. Then
# from the hypervisor's log: its own copies of watched guest memory took #DB in ring 0
# and were ignored, and CR4.SMAP is on unless TESSERA_APPEND has "nosmap" or the CPU
# lacks it (QEMU's TCG always offers it).
cd "$(dirname "$0")/../.."
O=${O:-build}
out=$(bash guests/run-conform.sh conform-debug)
echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
sum=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
p=${sum%% passed*}; f=${sum#*, }; f=${f%% failed}
[ -n "$sum" ] || { p=0; f=1; }
log=$O/test-logs/conform-debug.serial.log
ok()   { echo "ok - conform-debug: $*"; p=$((p + 1)); }
fail() { echo "FAIL - conform-debug: $*"; f=$((f + 1)); }
n=$(grep -c 'tessera: #DB in the hypervisor at .*, ignored' "$log")
if [ "$n" -ge 3 ]; then ok "the 3 watched hypervisor copies took #DB in ring 0, ignored ($n logged)"
else fail "expected >= 3 '#DB in the hypervisor' lines, got $n"; fi
smap=$(grep -m1 -o 'tessera: SMAP .*' "$log" | tr -d '\r')
case " ${TESSERA_APPEND:-} " in
  *" nosmap "*) want='tessera: SMAP off (nosmap)' ;;
  *) want='tessera: SMAP on' ;;
esac
if [ "$smap" = "$want" ] || [ "$smap" = 'tessera: SMAP off (not offered by the CPU)' ]; then ok "$smap"
else fail "expected '$want', log says '$smap'"; fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

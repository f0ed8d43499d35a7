#!/usr/bin/env bash
# Tinyx (issue 19): a small PV Linux built by the project's own script from
# Debian's linux-source-6.1 (guests/tinyx/build.sh, cached outside the work
# tree) boots as a domU in 24 MiB: its own kernel's boot lines, the shell
# with exact outputs (release, memory, Xen drivers built in, fork loop), then
# TINYX_N (default 5) of them at once, all destroyed, and the hypervisor's
# free frames back to their idle value.
set -u
N=${TINYX_N:-5}
. "$(dirname "$0")/lib.sh"
suite_init 61 61-tinyx.serial
. tests/linux-domu/lib.sh
if ! bash guests/tinyx/build.sh >"$t/tinyx.out" 2>&1; then
  fail "guests/tinyx/build.sh: $(tail -n 3 "$t/tinyx.out" | tr '\n' ' ')"; finish
fi
linux_prepare
cp "$O/tinyx/vmlinuz" "$t/tinyx"
trel=$(cat "$O/tinyx/release")
tsize=$(stat -c %s "$t/tinyx"); dsize=$(stat -c %s "$t/vmlinuz")
echo "# Tinyx bzImage $tsize bytes, Debian's cloud bzImage $dsize bytes"
[ $((tsize * 2)) -le "$dsize" ] && ok "Tinyx's kernel ($tsize bytes) is at most half of Debian's ($dsize bytes)" ||
  fail "Tinyx's kernel is $tsize bytes, Debian's $dsize"

mem=$(( 512 + N * 32 )); [ $mem -lt 1024 ] && mem=1024
QEMU_TIMEOUT=$(( 400 + N * 20 )) BOOT_MODULES="$t/tinyx:tinyx" boot boot.list $mem xs.cfg tinyx.cfg probe.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
base=$(probe_frames)
[ -n "$base" ] && ok "idle free frames (probe domain created and destroyed): $base" ||
  fail "probe domain: no free frame count"

t0=$(date +%s%N)
out=$(xl create tinyx.cfg); id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create tinyx.cfg" "$out" "created domain $id (tinyx)"
line_time "^\(d0\) \(d$id\) TESSERA-INIT-OK$" 120 || { fail "tinyx (domain $id) did not reach /init in 120 s"; finish; }
echo "# creation time of tinyx-1 (domain $id): xl create sent -> /init line: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
g() { slog | grep -m1 -E "^\(d0\) \(d$id\) \[ *[0-9.]+\] $1" | sed -E 's/^\(d0\) \(d[0-9]+\) \[ *[0-9.]+\] //'; }
check "the boot log names Tinyx's kernel" "$(g 'Linux version' | cut -d' ' -f1-3)" "Linux version $trel"
check "booted paravirtualized on Xen" "$(g 'Booting kernel on')" "Booting kernel on Xen"

out=$(con tinyx 'dmesg -n 1' 'uname -r' 'cat /sys/hypervisor/type' \
  'for d in vbd vif; do [ -d /sys/bus/xen/drivers/$d ] && echo -n "$d "; done; echo' \
  'ls /lib/modules 2>&1 | wc -l; grep -c "" /proc/modules 2>/dev/null || echo "no /proc/modules"' \
  'awk "/^MemTotal:/ { print (\$2 > 12288 && \$2 <= 24576) ? \"memtotal ok\" : \"memtotal \" \$2 }" /proc/meminfo' \
  'n=0; i=0; while [ $i -lt 50 ]; do /bench/fork_exec -child && n=$((n+1)); i=$((i+1)); done; echo "forkloop: $n of 50 done"' \
  '/bench/memtouch 4' \
  'free -k | awk "/^Mem:/ { print \$3 }"')
rc=$?
echo "$out" | sed 's/^/# /'
check "console session ended normally" "$rc" 0
for n in 1 2 3 4 6 7 8 9; do check "command $n exit status" "$(rc_of $n "$out")" 0; done
check "uname -r" "$(out_of 2 "$out")" "$trel"
check "/sys/hypervisor/type" "$(out_of 3 "$out")" "xen"
check "xenbus front-end drivers built in" "$(out_of 4 "$out")" "vbd vif "
check "no modules: /lib/modules empty, no /proc/modules" "$(out_of 5 "$out")" "1
no /proc/modules"
check "guest memory as configured (24 MiB)" "$(out_of 6 "$out")" "memtotal ok"
check "fork+exec loop of a static program" "$(out_of 7 "$out")" "forkloop: 50 of 50 done"
check "4 MiB memory touch" "$(out_of 8 "$out")" "memtouch: 4194304 bytes touched"
echo "# Tinyx in use after boot: $(out_of 9 "$out") KiB (free's 'used')"

# TINYX_N at once (default 5; bench/tinyx.sh runs 100): more from the same
# config, named by xl's KEY=VALUE override, each created once the previous
# one reached /init (the time from xl create to its /init line is printed).
ids="$id"; names="tinyx"
for k in $(seq 2 "$N"); do
  t0=$(date +%s%N)
  out=$(xl create tinyx.cfg "name=\"tinyx-$k\""); i=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
  [ "$out" = "created domain $i (tinyx-$k)" ] || { fail "xl create tinyx.cfg name=\"tinyx-$k\": $out"; break; }
  line_time "^\(d0\) \(d$i\) TESSERA-INIT-OK$" 180 || { fail "tinyx-$k (domain $i) did not reach /init"; break; }
  echo "# creation time of tinyx-$k (domain $i): xl create sent -> /init line: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  ids="$ids $i"; names="$names tinyx-$k"
done
check "tinyx-2 .. tinyx-$N created and reached /init" "$(wc -w <<<"$ids")" "$N"
check "xl list: $N Tinyx guests of 24 MiB" \
  "$(xl list | awk '$1 ~ /^tinyx/ { print $3 }' | sort | uniq -c | awk '{print $1, $2}')" "$N 24"
out=$(con tinyx-3 'uname -r')
check "tinyx-3 answers on its console" "$(out_of 1 "$out")" "$trel"

set -- $names
for i in $ids; do
  n=$(nlines "^tessera: domain $i destroyed, free frames")
  check "xl destroy $1" "$(xl destroy "$1")" "destroyed domain $i ($1)"
  shift
  wait_more "^tessera: domain $i destroyed, free frames" "$n" 30 || fail "no 'domain $i destroyed' line"
done
check "free frames after all $N = idle value" "$(destroyed_frames "${ids##* }")" "$base"
linux_done "no BUG/Oops/WARNING/panic in the guests' logs"

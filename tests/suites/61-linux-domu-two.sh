#!/usr/bin/env bash
# Two Linux domUs and the xenstore service domain at once (issue 6): both
# boot to /init and answer through xl console; linux-b crashes on purpose
# (echo c > /proc/sysrq-trigger): its panic stays in its domain, on_crash =
# restart rebuilds it (new boot to /init, answers again) while linux-a keeps
# running (a command after the crash, its uptime went on); then linux-a
# crashes with on_crash = destroy and the restarted linux-b keeps running; at
# the end both are powered off and the free frame count is the idle value.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 61t 61-linux-domu-two.serial
. tests/linux-domu/lib.sh
linux_prepare

boot boot.list 1024 xs.cfg linux-a.cfg linux-b.cfg probe.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
base=$(probe_frames)
[ -n "$base" ] && ok "idle free frames (probe domain created and destroyed): $base" ||
  fail "probe domain: no free frame count"

FROM=$(mark)
out=$(xl create linux-a.cfg); a=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-a.cfg" "$out" "created domain $a (linux-a)"
out=$(xl create linux-b.cfg); b=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-b.cfg" "$out" "created domain $b (linux-b)"
wait_line "(d0) (d$a) TESSERA-INIT-OK" 120 || finish
wait_line "(d0) (d$b) TESSERA-INIT-OK" 120 || finish
out=$(con linux-a 'dmesg -n 1' 'uname -r' 'cut -d. -f1 /proc/uptime')
check "linux-a answers: uname -r" "$(out_of 2 "$out")" "$release"
up_a=$(out_of 3 "$out")
out=$(con linux-b 'dmesg -n 1' 'uname -r' '/bench/memtouch 64')
check "linux-b answers: uname -r" "$(out_of 2 "$out")" "$release"
check "linux-b: 64 MiB touched" "$(out_of 3 "$out")" "memtouch: 67108864 bytes touched"
check "xl list: both guests, 256 MiB each" \
  "$(xl list | awk '$1 ~ /^linux-/ { print $1, $2, $3 }')" "linux-a $a 256
linux-b $b 256"

# linux-b crashes: on_crash = restart
FROM=$(mark)
out=$(con linux-b '!echo c > /proc/sysrq-trigger')
check "sysrq-c sent to linux-b" "$?" 0
wait_line "tessera: domain $b shut down: crash" 60
gl() { slog | grep -m1 -E "^\(d0\) \(d$1\) .*\[ *[0-9.]+\] $2" | sed -E 's/^.*\[ *[0-9.]+\] //'; }
# kmsg lines the session got (timestamps dropped)
kl() { out_of 1 "$1" | sed -nE "s/^.*\[ *[0-9.]+\] ($2.*)$/\1/p" | head -n 1; }
check "linux-b's own sysrq line on its console" "$(kl "$out" sysrq:)" "sysrq: Trigger a crash"
check "linux-b's own panic on its console" "$(kl "$out" 'Kernel panic')" \
  "Kernel panic - not syncing: sysrq triggered crash"
wait_line "(d0) domain-builder: domain $b (linux-b) shut down: crash, action restart" 30
wait_re '^\(d0\) domain-builder: restarted linux-b as domain [0-9]+$' 60
b2=$(slog | sed -nE 's/^\(d0\) domain-builder: restarted linux-b as domain ([0-9]+)$/\1/p' | tail -n 1)
out=$(con linux-a 'uname -r' 'cut -d. -f1 /proc/uptime' 'i=0; while [ $i -lt 50 ]; do /bench/fork_exec -child || break; i=$((i+1)); done; echo "forkloop: $i"')
check "linux-a still answers after linux-b's crash: uname -r" "$(out_of 1 "$out")" "$release"
up=$(out_of 2 "$out")
[[ "$up" =~ ^[0-9]+$ ]] && [[ "$up_a" =~ ^[0-9]+$ ]] && [ "$up" -gt "$up_a" ] &&
  ok "linux-a's uptime went on ($up_a s -> $up s): not rebooted" || fail "linux-a uptime [$up_a] -> [$up]"
check "linux-a: fork/exec after the crash" "$(out_of 3 "$out")" "forkloop: 50"
check "linux-a's console has no panic" "$(gl $a 'Kernel panic')" ""
wait_line "(d0) (d$b2) TESSERA-INIT-OK" 120 || finish
# the new kernel's console is quiet too (a late printk would land in an output)
out=$(con linux-b 'dmesg -n 1' 'uname -r' 'cut -d. -f1 /proc/uptime')
check "the restarted linux-b (domain $b2) answers" "$(out_of 2 "$out")" "$release"
up_b=$(out_of 3 "$out")
check "xl list: linux-a and the new linux-b" \
  "$(xl list | awk '$1 ~ /^linux-/ { print $1, $2, $3 }')" "linux-a $a 256
linux-b $b2 256"

# linux-a crashes: on_crash = destroy; linux-b keeps running
FROM=$(mark)
out=$(con linux-a '!echo c > /proc/sysrq-trigger')
wait_line "tessera: domain $a shut down: crash" 60
check "linux-a's own panic on its console" "$(kl "$out" 'Kernel panic')" \
  "Kernel panic - not syncing: sysrq triggered crash"
wait_line "(d0) domain-builder: domain $a (linux-a) shut down: crash, action destroy" 30
wait_line "(d0) domain-builder: destroyed domain $a (linux-a)" 30
wait_line "(d0) (d1) xenstored: domain $a released" 30
out=$(con linux-b 'uname -r' 'cut -d. -f1 /proc/uptime' '/bench/memtouch 64')
check "linux-b still answers after linux-a's crash" "$(out_of 1 "$out")" "$release"
up=$(out_of 2 "$out")
[[ "$up" =~ ^[0-9]+$ ]] && [[ "$up_b" =~ ^[0-9]+$ ]] && [ "$up" -gt "$up_b" ] &&
  ok "linux-b's uptime went on ($up_b s -> $up s)" || fail "linux-b uptime [$up_b] -> [$up]"
check "linux-b: 64 MiB touched after the crash" "$(out_of 3 "$out")" "memtouch: 67108864 bytes touched"
check "xl list: only linux-b of the guests" "$(xl list | awk '$1 ~ /^linux-/ { print $1, $2 }')" "linux-b $b2"

# the end: linux-b powered off, memory back
n=$(nlines "^tessera: domain $b2 destroyed, free frames")
con linux-b '!poweroff -f' >/dev/null
wait_line "(d0) domain-builder: domain $b2 (linux-b) shut down: poweroff, action destroy" 60
if wait_more "^tessera: domain $b2 destroyed, free frames" "$n" 30; then
  f=$(destroyed_frames "$b2")
  check "free frames after all guests = idle value (tessera: domain $b2 destroyed, free frames $f)" "$f" "$base"
else
  fail "no 'tessera: domain $b2 destroyed' line"
fi
FROM=0
linux_done "no BUG/Oops/WARNING/panic in the guests' logs"

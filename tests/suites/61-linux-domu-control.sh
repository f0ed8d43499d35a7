#!/usr/bin/env bash
# xl mem-set, xl shutdown / xl reboot of Debian's cloud kernel as a domU
# (issues 19, 6).  Ballooning: memory 256, maxmem 320; xl mem-set writes
# memory/target, Linux's built-in balloon driver gives 64 MiB back
# (decrease_reservation) and takes it again, then grows to maxmem (populate_physmap
# into the pfns above its initial memory): each time the guest's MemTotal, xl
# list and the host's free memory move by exactly that much; a target above
# maxmem is refused.  Shutdown / reboot (issue 6): the
# builder writes the xenstore key control/shutdown (Linux announces
# control/feature-poweroff); Linux shuts down by itself (its own "reboot:"
# line on hvc0 before the hypervisor sees the shutdown), on_poweroff destroys
# it, on_reboot restarts it as a new domain that boots to /init again and runs
# a command (the orderly paths: poweroff_cmd from linux-ctl.cfg's command
# line, /sbin/reboot written through the console); at the end the free frame count is back to its idle value.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 61c 61-linux-domu-control.serial
. tests/linux-domu/lib.sh
linux_prepare

boot boot.list 1024 xs.cfg linux-ctl.cfg probe.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish
base=$(probe_frames)
[ -n "$base" ] && ok "idle free frames (probe domain created and destroyed): $base" ||
  fail "probe domain: no free frame count"

# create_linux: xl create linux-ctl.cfg, wait for /init; sets id
create_linux() {
  local out
  out=$(xl create linux-ctl.cfg)
  id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
  check "xl create linux-ctl.cfg" "$out" "created domain $id (linux)"
  wait_line "(d0) (d$id) TESSERA-INIT-OK" 90 || finish
}
# guest_line ID REGEX: the guest's kernel log line (timestamp dropped)
guest_line() {
  slog | grep -m1 -E "^\(d0\) \(d$1\) .*\[ *[0-9.]+\] $2" | sed -E 's/^.*\[ *[0-9.]+\] //'
}

# 1. xl shutdown
FROM=$(mark)
create_linux
# dmesg -n 1: no kernel message (a clocksource warning under load) lands in a command's output
out=$(con linux 'dmesg -n 1' 'cat /proc/sys/kernel/poweroff_cmd')
check "poweroff_cmd from the command line" "$(out_of 2 "$out")" "/bin/poweroff -f"
# 1a. ballooning (then the shutdown of the same guest)
memtotal() { out_of 1 "$(con linux 'sed -n "s/^MemTotal: *//p" /proc/meminfo')"; }
hostfree() { xl info | sed -n 's/^free_memory *: //p'; }
# balloon MIB: xl mem-set, then wait (60 s) until xl list shows MIB
balloon() {
  local k
  check "xl mem-set linux $1" "$(xl mem-set linux "$1")" "memory target of linux (domain $id) set to $1 MiB"
  for k in $(seq 60); do
    [ "$(xl list | awk '$1 == "linux" { print $3 }')" = "$1" ] && break
    sleep 1
  done
  check "xl list: linux at $1 MiB" "$(xl list | awk '$1 == "linux" { print $3 }')" "$1"
}
mt0=$(memtotal); h0=$(hostfree)
[ -n "$mt0" ] && [ -n "$h0" ] && ok "before: MemTotal $mt0, host free $h0 MiB" || fail "no MemTotal / free_memory"
balloon 192
check "MemTotal 64 MiB lower, host free memory 64 MiB higher" \
  "$(memtotal)/$(hostfree)" "$(( ${mt0% kB} - 65536 )) kB/$(( h0 + 64 ))"
balloon 256
check "MemTotal and host free memory back" "$(memtotal)/$(hostfree)" "$mt0/$h0"
balloon 320
check "up to maxmem: MemTotal 64 MiB higher, host free memory 64 MiB lower" \
  "$(memtotal)/$(hostfree)" "$(( ${mt0% kB} + 65536 )) kB/$(( h0 - 64 ))"
check "xl mem-set linux 384 (above maxmem): refused" "$(xl mem-set linux 384)" \
  "xl: linux: 384 MiB is above its maxmem (320 MiB)"
check "the refused target changed nothing (xl list)" "$(xl list | awk '$1 == "linux" { print $3 }')" 320
# touch all but 24 MiB of what is free now: more than the guest's whole memory before
mf=$(out_of 1 "$(con linux 'sed -n "s/^MemFree: *\([0-9]*\) kB/\1/p" /proc/meminfo')")
n=$(( ${mf:-0} / 1024 - 24 ))
check "MemFree - 24 MiB ($n MiB) is more than MemTotal at 256 MiB" "$(( n * 1024 > ${mt0% kB} ))" 1
out=$(con linux "/bench/memtouch $n")
check "the guest uses its ballooned-in memory (touches $n MiB)" "$(out_of 1 "$out")" \
  "memtouch: $(( n << 20 )) bytes touched"
balloon 256

# Linux writes control/feature-poweroff when its xenbus comes up, before /init
check "xl shutdown linux" "$(xl shutdown linux)" "shutting down domain $id (linux)"
wait_line "tessera: domain $id shut down: poweroff" 60
check "Linux halted itself (its own line on hvc0)" "$(guest_line $id 'reboot: ')" "reboot: System halted"
# (No check of the order of those two lines: the guest's line reaches the serial log
# through the builder's console relay, the hypervisor's directly, so either may come
# first; it failed under load. The halt line above shows the shutdown was orderly.)
wait_line "(d0) domain-builder: domain $id (linux) shut down: poweroff, action destroy" 30
wait_line "(d0) domain-builder: destroyed domain $id (linux)" 30
wait_line "(d0) (d1) xenstored: domain $id released" 30
check "xl list: linux gone" "$(xl list | awk '$1 == "linux"')" ""

# 2. xl reboot: on_reboot = restart
FROM=$(mark)
create_linux
old=$id
# Linux's orderly reboot runs /sbin/reboot (a distro's; busybox's without -f
# would only signal init, which this /init ignores)
out=$(con linux 'printf "#!/bin/sh\nexec /bin/reboot -f\n" >/sbin/reboot && chmod +x /sbin/reboot && echo done')
check "/sbin/reboot for the orderly reboot" "$(out_of 1 "$out")" "done"
FROM=$(mark)
check "xl reboot linux" "$(xl reboot linux)" "rebooting domain $id (linux)"
wait_line "tessera: domain $old shut down: reboot" 60
check "Linux restarted itself (its own line on hvc0)" "$(guest_line $old 'reboot: ')" "reboot: Restarting system"
check "no forced fallback (orderly reboot ran /sbin/reboot)" "$(guest_line $old 'reboot: Failed')" ""
wait_line "(d0) domain-builder: domain $old (linux) shut down: reboot, action restart" 30
wait_re '^\(d0\) domain-builder: restarted linux as domain [0-9]+$' 60
id=$(slog | sed -nE 's/^\(d0\) domain-builder: restarted linux as domain ([0-9]+)$/\1/p' | tail -n 1)
wait_line "tessera: domain $old destroyed, free frames $(destroyed_frames $old)" 5
wait_line "(d0) (d$id) TESSERA-INIT-OK" 90 || finish
out=$(con linux 'dmesg -n 1' 'uname -r' 'cat /proc/sys/kernel/poweroff_cmd')
check "the restarted guest answers: uname -r" "$(out_of 2 "$out")" "$release"
check "xl list: linux is domain $id" "$(xl list | awk '$1 == "linux" { print $2, $3 }')" "$id 256"

# 3. xl shutdown of the restarted guest; memory back
n=$(nlines "^tessera: domain $id destroyed, free frames")
check "xl shutdown linux (restarted)" "$(xl shutdown linux)" "shutting down domain $id (linux)"
wait_line "(d0) domain-builder: domain $id (linux) shut down: poweroff, action destroy" 60
if wait_more "^tessera: domain $id destroyed, free frames" "$n" 30; then
  f=$(destroyed_frames "$id")
  check "free frames after both guests = idle value (tessera: domain $id destroyed, free frames $f)" "$f" "$base"
else
  fail "no 'tessera: domain $id destroyed' line"
fi
linux_done "no BUG/Oops/WARNING/panic in the guests' logs"

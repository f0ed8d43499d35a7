#!/usr/bin/env bash
# xl shutdown / xl reboot of Debian's cloud kernel as a domU (issue 6): the
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
out=$(con linux 'cat /proc/sys/kernel/poweroff_cmd')
check "poweroff_cmd from the command line" "$(out_of 1 "$out")" "/bin/poweroff -f"
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
out=$(con linux 'uname -r' 'cat /proc/sys/kernel/poweroff_cmd')
check "the restarted guest answers: uname -r" "$(out_of 1 "$out")" "$release"
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
check "xl list: only the builder and xenstore" "$(xl list | tail -n +2 | awk '{print $1, $2}')" \
  "domain-builder 0
xenstore 1"
no_oops "no BUG/Oops/WARNING/panic in the guests' logs"
no_fail_lines
finish

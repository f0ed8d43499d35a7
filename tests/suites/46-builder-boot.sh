#!/usr/bin/env bash
# The domain builder on the real stack: the hypervisor boots the service
# runtime with the builder as its program; the builder reads its boot
# configuration (boot modules, seen as /boot files) and starts four
# service-runtime domains running servers/domain-builder/tests/svc/svc.c:
#   svc-a offers svc-b a granted page and an event channel, svc-b takes both
#   (events both ways, the page's text read back); svc-c's program crashes once
#   and its runtime restarts it; svc-d's domain crashes every time and the
#   builder recreates it with the same id until its restart brake destroys it.
# xl over COM2 (scripts/xl-client on QEMU's socket chardev): list, a malformed
# config refused with file:line: reason and nothing changed, destroy + create.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 46 builder-boot.serial
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/servers/builder-tests/svc"

svc() { printf 'name = "%s"\nkernel = "runtime.elf"\nmemory = 8\ncapabilities = [ "SCHED" ]\nextra = "%s"\nmodules = [ "svc %s" ]\non_crash = "restart"\n' "$1" "$2" "$3"; }
svc svc-a "restart=always" "name=a peer=2 role=offer" >"$t/svc-a.cfg"
svc svc-b "restart=always" "name=b peer=1 role=take" >"$t/svc-b.cfg"
svc svc-c "restart=always" "name=c crash=1" >"$t/svc-c.cfg"
svc svc-d "restart=never" "name=d crash_always=0" >"$t/svc-d.cfg"
printf 'name = "bad"\nkernel = "runtime.elf"\nmemory = 8\nvcpus = 0\n' >"$t/bad.cfg"
printf '# service domains of the builder test\nsvc-a.cfg\nsvc-b.cfg\nsvc-c.cfg\nsvc-d.cfg\n' >"$t/boot.list"
cp "$O/servers/runtime.elf" "$t/runtime.elf"

# A module's command line is its name (as the builder finds it under /boot),
# then its arguments; the builder's own module line holds its options.
mods=("$t/boot.list:boot.list")
for f in svc-a svc-b svc-c svc-d bad; do mods+=("$t/$f.cfg:$f.cfg"); done
boot_builder 256 dom0_mem=48 boot.list "${mods[@]}" "$t/runtime.elf:runtime.elf" "$O/servers/builder-tests/svc:svc"
line_of() { grep -E "^$1 " <<<"$2" | tr -s ' '; }

wait_line "(d0) domain-builder: created domain 1 (svc-a)" 150
wait_line "(d0) domain-builder: created domain 4 (svc-d)" 60
wait_line "(d0) (d1) svc a: instance 1 on domain 1"
wait_line "(d0) (d2) svc b: instance 1 on domain 2"
wait_line "(d0) (d2) svc b: the granted page says: hello from a"
wait_line "(d0) (d1) svc a: event 1 from the peer, page now says: b was here"
wait_line "(d0) (d2) svc b: answer received"
wait_line "(d0) (d3) svc c: crashing on purpose"
wait_line "(d0) (d3) svc c: instance 2 on domain 3"
wait_line "(d0) domain-builder: domain 4 (svc-d) shut down: crash, action restart"
wait_line "(d0) domain-builder: restarted svc-d as domain 4"

out=$(xl list); rc=$?
check "xl list over COM2" "$rc" 0
check "list: the builder" "$(line_of domain-builder "$out" | cut -d' ' -f1,2)" "domain-builder 0"
for d in a:1 b:2 c:3; do
  l=$(line_of "svc-${d%%:*}" "$out")
  check "list: svc-${d%%:*} id, memory, vCPUs" "$(cut -d' ' -f2-4 <<<"$l")" "${d#*:} 8 1"
  [[ "$(cut -d' ' -f5 <<<"$l")" =~ ^[rb-]{2}-{4}$ ]] && ok "list: svc-${d%%:*} running or blocked" ||
    fail "list: svc-${d%%:*} state: $l"
done

before=$(xl list | cut -c1-60)
out=$(xl create bad.cfg)
check "malformed config refused" "$out" "xl: bad.cfg:4: 'vcpus' must be between 1 and 8"
check "nothing else changed" "$(xl list | cut -c1-60 | grep -v svc-d)" "$(grep -v svc-d <<<"$before")"

out=$(xl destroy svc-c)
check "xl destroy svc-c" "$out" "destroyed domain 3 (svc-c)"
[ -z "$(line_of svc-c "$(xl list)")" ] && ok "svc-c gone" || fail "svc-c still listed"
out=$(xl create svc-c.cfg)
check "xl create svc-c.cfg" "$out" "created domain 3 (svc-c)"
wait_line "(d0) (d3) svc c: instance 1 on domain 3"
wait_line "(d0) domain-builder: domain 4 (svc-d) shut down: restarting too fast, action destroy" 150
[ -z "$(line_of svc-d "$(xl list)")" ] && ok "svc-d destroyed by the restart brake" || fail "svc-d still listed"

out=$(xl pause svc-a; xl list)
[[ "$(line_of svc-a "$out" | cut -d' ' -f5)" =~ ^-[b-]p---$ ]] && ok "xl pause: svc-a paused" || fail "pause: $(line_of svc-a "$out")"
out=$(xl unpause svc-a; xl list)
[[ "$(line_of svc-a "$out" | cut -d' ' -f5)" =~ ^[rb-]{2}-{4}$ ]] && ok "xl unpause" || fail "unpause: $(line_of svc-a "$out")"
check "xl reboot svc-c" "$(xl reboot svc-c)" "rebooting domain 3 (svc-c)"
wait_line "(d0) domain-builder: domain 3 (svc-c) shut down: reboot, action restart"
wait_line "(d0) domain-builder: restarted svc-c as domain 3"
check "xl shutdown svc-b" "$(xl shutdown svc-b)" "shutting down domain 2 (svc-b)"
wait_line "(d0) domain-builder: domain 2 (svc-b) shut down: poweroff, action destroy"
[ -z "$(line_of svc-b "$(xl list)")" ] && ok "svc-b gone after shutdown (on_poweroff destroy)" || fail "svc-b still listed"

no_fail_lines
finish

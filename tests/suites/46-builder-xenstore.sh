#!/usr/bin/env bash
# The domain builder with the real xenstore domain: the builder creates
# build/servers/xenstored (XENSTORE capability) with its own ring on the
# command line (--master-domid/--event/--master-gref), xenstored connects to
# it as the control domain; the next domain is written to xenstore and
# introduced; xl destroy releases it; while another domain has nodes in the
# store a pause of the xenstore domain is refused, and xl destroy and xl
# restart rebuild it with its id from its kept state; with no domain left,
# xl restart keeps its id, the builder connects again and the next domain
# is introduced to the new store.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 46x builder-xenstore.serial
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
  "$O/servers/builder-tests/svc" "$O/servers/xenstored"

printf 'name = "xenstore"\nkernel = "runtime.elf"\nmemory = 16\ncapabilities = [ "XENSTORE" ]\nextra = "restart=always name=xenstored"\nmodules = [ "xenstored" ]\non_crash = "restart"\n' >"$t/xs.cfg"
printf 'name = "svc-a"\nkernel = "runtime.elf"\nmemory = 8\ncapabilities = [ "SCHED" ]\nmodules = [ "svc name=a" ]\n' >"$t/a.cfg"
printf 'name = "svc-b"\nkernel = "runtime.elf"\nmemory = 8\nmodules = [ "svc name=b" ]\n' >"$t/b.cfg"
printf 'xs.cfg\na.cfg\n' >"$t/boot.list"
cp "$O/servers/runtime.elf" "$t/runtime.elf"
mods=()
for f in boot.list xs.cfg a.cfg b.cfg runtime.elf; do mods+=("$t/$f:$f"); done
boot_builder 256 dom0_mem=48 boot.list "${mods[@]}" "$O/servers/xenstored:xenstored" \
  "$O/servers/builder-tests/svc:svc"

# xenstore first: a domain created before it has no store channel
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_line "(d0) domain-builder: created domain 2 (svc-a)"
wait_line "(d0) (d1) xenstored: control domain 0 connected"
wait_re '^\(d0\) \(d1\) xenstored: domain 2 introduced \(port [0-9]+ -> local [0-9]+\)$'
check "xl create svc-b" "$(xl create b.cfg)" "created domain 3 (svc-b)"
wait_re '^\(d0\) \(d1\) xenstored: domain 3 introduced \(port [0-9]+ -> local [0-9]+\)$'
wait_line "(d0) (d3) svc b: instance 1 on domain 3"
check "xl destroy svc-b" "$(xl destroy svc-b)" "destroyed domain 3 (svc-b)"
wait_line "(d0) (d1) xenstored: domain 3 released"
# while svc-a has its nodes in the store it is not paused (that would stall
# it and the builder); xl destroy and xl restart rebuild it with its id from
# its state, kept in the builder's pages (issue 16): svc-a's nodes are not
# written again
why="it holds the xenstore nodes of 1 running domain, and"
check "xl pause xenstore refused" "$(xl pause xenstore)" \
  "xl: cannot pause xenstore (domain 1): $why a paused store stalls them and the builder (a crash of its program is survived in place)"
check "xl destroy xenstore: rebuilt with its id" "$(xl destroy xenstore)" \
  "destroyed domain 1 (xenstore); rebuilt with its id and its kept store for 1 running domain (destroy those first to remove it)"
wait_line "(d0) domain-builder: xenstore (domain 1) up: 1 domain kept in its state, 0 introduced again"
check "xl restart xenstore" "$(xl restart 1)" "restarted xenstore as domain 1"
wait_more "^\(d0\) domain-builder: xenstore \(domain 1\) up: 1 domain kept in its state, 0 introduced again$" 1 60
check "xenstore running, not paused" "$(xl list xenstore | awk 'NR == 2 { print $2, $5 }')" "1 -b----"
check "xl destroy svc-a" "$(xl destroy svc-a)" "destroyed domain 2 (svc-a)"
wait_line "(d0) (d1) xenstored: domain 2 released"
check "xl restart xenstore (no domain uses it)" "$(xl restart xenstore)" "restarted xenstore as domain 1"
sleep 3
check "the builder connected again after each rebuild" "$(nlines '^\(d0\) \(d1\) xenstored: control domain 0 connected$')" 4
mk=$(mark)
check "xl create svc-b" "$(xl create b.cfg)" "created domain 2 (svc-b)"
FROM=$mk wait_re '^\(d0\) \(d1\) xenstored: domain 2 introduced \(port [0-9]+ -> local [0-9]+\)$'
no_fail_lines 'FAIL|PANIC|domain-builder: xenstore: .* failed'
finish

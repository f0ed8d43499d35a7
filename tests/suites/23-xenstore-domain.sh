#!/usr/bin/env bash
# xenstored as the xenstore service domain, on the real stack. The hypervisor
# boots the domain builder (first domain) with a boot configuration of three
# service-runtime domains:
#   1 xs-master  servers/xenstore/test/domtest role=master: plays the control
#                domain's part of docs/xenstore.md ("The builder and the
#                xenstore domain"): grants the xenstore domain a ring page
#                (gntalloc, grant 8) and an unbound port, talks to it with
#                servers/lib's xenstore client over that ring, introduces
#                domain 3, watches it, crashes the xenstore program
#                (CONTROL crash) and checks the state survived the restart,
#                sees @releaseDomain when domain 3 is gone;
#   2 xenstore   build/servers/xenstored with the XENSTORE capability;
#                the builder grants it every later domain's ring (grant 1)
#                and store port;
#   3 xs-guest   domtest role=guest over its own /dev/xen/xenbus: relative
#                paths, a permission denial, a watch across the restart;
#                exits, the builder destroys it, xenstored releases it.
# Exact serial lines; a missing line within its time limit is a failure.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 23 xenstore-domain.serial
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
  "$O/servers/xenstored" "$O/servers/xs-tests/domtest"

# The master's ring: its first gntalloc grant (8) and the port its runtime
# hands out for its first BIND_UNBOUND_PORT (after the console port and the
# runtime's own VIRQ ports); the master prints both and we check them.
MASTER_GREF=8 MASTER_PORT=3
cfg() { # name caps extra module-line
  printf 'name = "%s"\nkernel = "runtime.elf"\nmemory = 16\n' "$1"
  [ -n "$2" ] && printf 'capabilities = [ %s ]\n' "$2"
  printf 'extra = "%s"\nmodules = [ "%s" ]\n' "$3" "$4"
}
cfg xs-master '"SCHED"' "restart=never name=domtest" "domtest role=master xs=2 guest=3 guest_port=2" >"$t/master.cfg"
cfg xenstore '"XENSTORE"' "restart=always name=xenstored" \
  "xenstored --master-domid 1 --master-gref $MASTER_GREF --event $MASTER_PORT --allow-crash" >"$t/xenstore.cfg"
cfg xs-guest "" "restart=never name=domtest" "domtest role=guest" >"$t/guest.cfg"
printf 'master.cfg\nxenstore.cfg\nguest.cfg\n' >"$t/boot.list"
cp "$O/servers/runtime.elf" "$t/runtime.elf"

# each boot file is named by the word after its path (the builder looks files
# up by name in /boot)
mods=()
for f in boot.list master.cfg xenstore.cfg guest.cfg runtime.elf; do mods+=("$t/$f:$f"); done
NO_COM2=1 boot_builder 256 dom0_mem=48 boot.list "${mods[@]}" "$O/servers/xenstored:xenstored" \
  "$O/servers/xs-tests/domtest:domtest"
# a failed test line or a panic ends every wait
WAIT_ABORT_RE='xs-test [a-z]+: FAIL|PANIC'
M="(d0) (d1) xs-test master:"
X="(d0) (d2) xenstored:"
G="(d0) (d3) xs-test guest:"

wait_line "(d0) domain-builder: created domain 3 (xs-guest)" 150
wait_line "$M ring page grant $MASTER_GREF, port $MASTER_PORT for domain 2"
wait_line "$X xenstore domain 2, instance 1"
wait_line "$X getdomaininfo refused (-1): dead domains are found through their event channels"
wait_line "$X domain 1 introduced (port $MASTER_PORT -> local 4, privileged)"
wait_line "$X control domain 1 connected"
wait_line "$M connected: /tool/test = hello"
wait_line "$M introduced domain 3"
wait_line "$X domain 3 introduced (port 2 -> local 5)"
wait_line "$M @introduceDomain fired"
wait_line "$M is domain 3 introduced: 1"
wait_line "$G wrote data"
wait_line "$G read /tool/test: EACCES"
wait_line "$M event /local/domain/3/data"
wait_line "$M domain 3 wrote: hello from the guest"
wait_line "$G event reply"
wait_line "$G reply: hi"
wait_line "$M event /local/domain/3/ack"
wait_line "$X crashing on request (CONTROL crash)"
wait_line "(d0) (d2) runtime: restarting the program (restart 1 of 5)"
wait_line "$X xenstore domain 2, instance 2"
wait_line "$M after the restart: /tool/test = hello"
wait_line "$G reply: after the restart"
wait_line "$G done"
wait_line "$X domain 3 is gone" 60
wait_line "$X domain 3 released"
wait_line "$M event @releaseDomain"
wait_line "$M @releaseDomain fired"
wait_line "$M is domain 3 introduced: 0"
wait_line "$M read /local/domain/3/data after release: ENOENT"
wait_line "$M done"

no_fail_lines
finish

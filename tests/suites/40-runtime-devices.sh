#!/usr/bin/env bash
# Service runtime: the device files /dev/xen/evtchn, /dev/xen/privcmd, /dev/xen/gntdev
# and /dev/xen/gntalloc with Linux's ioctls (servers/runtime/tests/devices.c).
cd "$(dirname "$0")/../.." || exit 1
. servers/runtime/tests/lib.sh
boot_runtime devices 'restart=never' ''
for c in "open /dev/xen/evtchn" "BIND_UNBOUND_PORT returns a port" "BIND_INTERDOMAIN to our own unbound port" \
         "poll with nothing pending times out (0)" "poll waited at least 100 ms" "NOTIFY" \
         "poll: readable after notify" "read returns the far end's port" "write unmasks it" \
         "notify back: read returns the other port" "BIND_VIRQ(VIRQ_TIMER) fails: the runtime owns it" \
         "BIND_VIRQ(VIRQ_DOM_EXC)" "NOTIFY on a port not bound here fails (ENOTCONN)" "UNBIND" \
         "read with O_NONBLOCK and nothing queued: EAGAIN" "close" \
         "open /dev/xen/privcmd" "IOCTL_PRIVCMD_HYPERCALL xen_version = 4.17" \
         "xen_version(XENVER_extraversion) into program memory" "set_trap_table refused (EPERM)" \
         "mmap of privcmd reserves addresses" "MMAPBATCH_V2 naming ourselves is refused per frame" \
         "open /dev/xen/gntdev" "MAP_GRANT_REF records a reference" "mmap of an empty grant entry fails" \
         "UNMAP_GRANT_REF" "GRANT_COPY runs" "GRANT_COPY from an empty entry reports a failing status" \
         "open /dev/xen/gntalloc" "ALLOC_GREF grants a page to domain 0 (ourselves)" "mmap of the granted page" \
         "gntdev MAP_GRANT_REF of that grant" "gntdev mmap maps the grant" "the mapping shows the granted page" \
         "a write through the mapping reaches the page" "GRANT_COPY of two segments" \
         "grant copy out of the grant" "grant copy into the grant" "munmap of the grant mapping" \
         "UNMAP_GRANT_REF" "munmap of the granted page" "DEALLOC_GREF" \
         "ioperm(COM2)" "inb from user mode after ioperm" "/dev/xen/xenbus without a store channel: ENODEV" \
         "open of an unknown device fails (ENOENT)" "stdout is not a terminal"; do
  expect "devices: ok - $c"
done
expect "devices: xen_version 4.17"
expect "devices: done, 0 failed"
expect "runtime: program exited with status 0"
expect_none "devices: FAIL|runtime: program killed|runtime: PANIC"
summary

#!/usr/bin/env bash
# blkback host unit tests: the virtio-PCI transport, split virtqueues, the
# virtio-blk driver against a fake device (servers/blkback/tests/fake_vblk.c),
# the VBD map (commands, torn map writes), the blkif backend against a fake
# frontend (hostile requests and rings included), the xenbus backend
# handshake against our host xenstored,
# then the same tests under AddressSanitizer/UBSan.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
. tests/suites/lib.sh
# the xenbus tests talk to our host xenstored over a Unix socket
export BB_XENSTORED=$O/host/xenstore/xenstored
make --no-print-directory -s O="$O" "$BB_XENSTORED" >/dev/null 2>&1 || fail "could not build $BB_XENSTORED"
host_unit "$O/host/blkback/bb-unit" "$O/host/blkback/bb-unit-asan"
finish

#!/usr/bin/env bash
# Issue 16: the xenstore domain dies under a running, unmodified Linux guest
# and comes back with its id and every node, watch and connection (its
# state lives in pages the builder grants it: servers/lib/xsstate.h), and
# is upgraded to a new build of xenstored by the same rebuild.  One
# QEMU machine: xenstore (domain 1), blkback (VBDs data and recs from
# bbcmds) and linux-xs, whose /init writes numbered, fsync'ed records to its
# VBD recs (xvdb).  The xenstore domain is destroyed (xl destroy) and
# rebuilt (xl restart), twice each, then upgraded (scripts/xl restart
# xenstore FILE, xenstored-next): each time it must come back as domain 1
# from its kept state (no node written again, no domain introduced again),
# and the records go on.  Then the guest's own xenstore use after the
# deaths: xl shutdown asks through control/shutdown, which only a guest
# whose watch survived sees (it powers itself off; a guest whose store was
# lost would be killed instead); every acknowledged record must be in the
# image; the guest logs no xenbus or blkfront message.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 65 65-restart-xenstore.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/blkback"
# the new build the last rebuild installs (version PROG_VERSION-next),
# stripped (its note stays) for the trip over COM2
make --no-print-directory -s O="$O" "$O/servers/xenstored-next" >/dev/null 2>&1 &&
  strip -o "$t/xenstored-next" "$O/servers/xenstored-next" || fail "could not build xenstored-next"
X() { timeout 600 python3 scripts/xl -s "$sock" -t 300 "$@"; }
# note_version FILE: the version in a program's note (servers/lib/progver.h)
note_version() { objcopy -O binary --only-section=.note.tessera "$1" "$t/note" 2>/dev/null && tail -c +21 "$t/note" | tr '\0' '\n' | sed -n 2p; }

img=$O/test-logs/65-restart-xenstore.img
rm -f "$img"
truncate -s 128M "$img"
BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds:bbcmds" \
  BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback
    -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0" \
  QEMU_TIMEOUT=900 boot restart-xs.list 768 xs.cfg blkback.cfg linux-rst.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150 || finish
wait_line "(d0) (d1) xenstored: state: in 256 pages of domain 0 (grant 9 on)" 30
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(blkback\)$" 90 || finish
bb=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
wait_line "(d0) (d$bb) blkback: serving /local/domain/$bb/backend/vbd" 90 || finish

out=$(xl "create linux-rst.cfg 'name=\"linux-xs\"' 'extra=\"console=hvc0 tessera_out=console tessera_steps=modules,spawn:records:xvdb,shell\"' 'disk=[\"vdev=xvdb, access=rw, target=recs\"]'" 2>&1)
id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create linux-rst.cfg as linux-xs" "$out" "created domain $id (linux-xs)"
acked() { slog | sed -nE "s/^\(d0\) \(d$id\) (.*)record ([0-9]+) acked$/\2/p" | tail -n 1; }
wait_acks() { # wait_acks N S: record N or later acknowledged within S s
  local end=$(($(date +%s) + $2)) a
  while a=$(acked); [ -z "$a" ] || [ "$a" -lt "$1" ]; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.3
  done
}
wait_acks 10 300 && ok "records stream (record $(acked) acknowledged)" || { fail "no record 10 acknowledged"; finish; }
wait_line "(d0) (d$id) module: xen-blkfront loaded" 30 >/dev/null
m0=$(mark)

kinds=("xl destroy" "xl restart" "xl destroy" "xl restart" "upgrade")
for k in 0 1 2 3 4; do
  kind=${kinds[$k]}
  what="death $((k + 1)) of the xenstore domain ($kind)"
  mk=$(mark)
  before=$(acked)
  if [ "$kind" = "xl destroy" ]; then
    check "$what" "$(xl destroy xenstore 2>&1)" \
      "destroyed domain 1 (xenstore); rebuilt with its id and its kept store for 2 running domains (destroy those first to remove it)"
  elif [ "$kind" = "xl restart" ]; then
    check "$what" "$(xl restart xenstore 2>&1)" "restarted xenstore as domain 1"
  else # live upgrade, by the same rebuild
    nv=$(note_version "$t/xenstored-next")
    case $nv in *-next) ok "$what: xenstored-next is version $nv (a -next build)" ;; *) fail "$what: xenstored-next is version '$nv'" ;; esac
    check "$what: scripts/xl restart xenstore $t/xenstored-next" "$(X restart xenstore "$t/xenstored-next" 2>&1)" \
      "restarted xenstore as domain 1 with program xenstored version $nv"
    check "$what: xl list -v shows it" "$(xl list -v xenstore 2>&1 | sed -nE 's/^xenstore .*  xenstored ([^ ]+) [0-9a-f]{8}$/\1/p')" "$nv"
    FROM=$mk wait_line "(d0) (d1) runtime: program xenstored version $nv" 30 >/dev/null &&
      ok "$what: the new xenstored runs" || fail "$what: the runtime did not start version $nv"
  fi
  FROM=$mk wait_line "(d0) domain-builder: xenstore (domain 1) up: 2 domains kept in its state, 0 introduced again" 60 >/dev/null &&
    ok "$what: back as domain 1 with the nodes of both domains" || fail "$what: the store did not come back with its state"
  FROM=$mk wait_re "^\(d0\) \(d1\) xenstored: state: [0-9]+ preserved pages, snapshot [1-9][0-9]* bytes, journal [0-9]+ bytes$" 30 >/dev/null &&
    ok "$what: the new xenstored found the snapshot" || fail "$what: the new xenstored started empty"
  b=$(slog | tail -n +$((mk + 1)) | sed -nE "s/^\(d0\) domain-builder: xenstore's restart began at [0-9]+ ms: (.*)$/\1/p" | tail -n 1)
  echo "# $what: builder: $b"
  check "$what: xl list shows xenstore as domain 1" "$(xl list xenstore 2>&1 | awk 'NR == 2 { print $1, $2 }')" "xenstore 1"
  wait_acks $((before + 3)) 120 && ok "$what: records go on (record $(acked) acknowledged)" ||
    fail "$what: records stopped at $(acked)"
done

no_fail_lines 'PANIC|DMA fault|broken ring|disconnected|restart of [a-z]+ failed|cannot bind'
# the guest's own xenstore connection and watches: an orderly shutdown
# through control/shutdown (the guest announced feature-poweroff at boot)
mk=$(mark)
a=$(acked)
check "xl shutdown linux-xs" "$(xl shutdown linux-xs 2>&1)" "shutting down domain $id (linux-xs)"
FROM=$mk wait_re "^\(d0\) domain-builder: domain $id \(linux-xs\) shut down: poweroff, action destroy$" 120 >/dev/null &&
  ok "linux-xs shut down" || fail "linux-xs did not shut down"
# (a guest that did not see control/shutdown would be shut down by the
# hypervisor without a word of its own)
FROM=$mk wait_re "^\(d0\) \(d$id\) \[ *[0-9.]+\] reboot: (Power down|System halted)$" 30 >/dev/null &&
  ok "linux-xs powered itself off (its control/shutdown watch fired)" || fail "linux-xs's kernel did not power itself off"
kill -KILL -- -"$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
qpid=
a=$(acked)
# bbcmds: data 64 MiB at 1 MiB, recs 1 MiB at 65 MiB
bad=$(records_bad "$img" $((65 << 20)) "$a" 2048)
check "every acknowledged record (0-$a) verifies in the image" "$bad" 0
if slog | tail -n +$((m0 + 1)) | grep -aE "^\(d0\) \(d$id\) .*(I/O error|blkfront|xenbus|vbd)" >"$t/guest.out"; then
  fail "linux-xs noticed: $(head -n 3 "$t/guest.out" | tr '\n' ' ')"
else
  ok "linux-xs logged no I/O error and no blkfront or xenbus message across the deaths"
fi
no_oops "no Linux oops, BUG or WARNING"
no_fail_lines 'PANIC|DMA fault|broken ring|restart of [a-z]+ failed|cannot bind'
finish

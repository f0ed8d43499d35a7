#!/usr/bin/env bash
# blkback restarted under a running, unmodified Linux guest (issue 16, the
# program-crash kind): the stack of 62-linux-blkback; linux-rec.cfg writes
# numbered, checksummed records to its VBD (xvdb), fsync after each, and
# prints each acknowledged number.  While records stream,
# `crash` typed on blkback's console kills the program (SIGKILL); the runtime
# restarts it with its grant mappings and event channels kept; blkback finds
# the device Connected at both ends, maps the same ring, binds the same port
# and resumes after the ring's last response.  The guest must log no block
# I/O error and no reconnection, the records must go on, and afterwards
# (QEMU killed) every acknowledged record is in the image.  Downtime per
# restart (the crash to the first response, blkback's monotonic clock) is
# printed, not asserted.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-65.XXXXXX")
log=$O/test-logs/65-blkback-restart.serial
. tests/linux-domu/lib.sh
trap cleanup EXIT
linux_prepare
[ -f "$O/servers/blkback" ] || { fail "$O/servers/blkback is missing (run make)"; finish; }

img=$O/test-logs/65-blkback-restart.img
records_stack "$img"

m0=$(mark) # guest lines after this are what the guest saw of the restarts
# While `xl console blkback` is attached, blkback's output (the crash, the
# runtime's restart) goes to the session, not the log: those lines are read
# from console.py's output ("1: LINE"), the rest from the serial log.
# Two restarts: the guest writes 2,000 records (its 1 MiB VBD), and on a slow host a
# third restart came after the last record, with nothing left to resume (CI, 053e535).
for n in 1 2; do
  mk=$(mark) # this restart's log lines start after mk
  firsts=$(nlines "^\(d0\) \(d$be\) blkback: d$id queue [0-9]+: first response after resuming at [0-9]+ us$")
  before=$(last_acked)
  con blkback '!crash' >"$t/con$n.out" 2>&1
  # this restart's lines of blkback's domain: the session's and the log's after mk
  lines() { (sed -n 's/^1: //p' "$t/con$n.out"; slog | tail -n +$((mk + 1)) | sed -nE "s/^\(d0\) \(d$be\) //p") | tr -d '\r'; }
  c=$(lines)
  sed 's/^/# console: /' "$t/con$n.out" | head -n 20
  t0=$(sed -nE 's/^blkback: crashing \(SIGKILL\) at ([0-9]+) us$/\1/p' <<<"$c" | tail -n 1)
  [ -n "$t0" ] && ok "restart $n: blkback crashed on the console command" || fail "restart $n: no crash reported"
  check "restart $n: the runtime logged the kill" \
    "$(grep -cx "runtime: program killed by SIGKILL (sent by the program)" <<<"$c")" 1
  check "restart $n: the runtime restarted the program" \
    "$(grep -cE "^runtime: instance $((n + 1)) started, " <<<"$c")" 1
  wait_more "^\(d0\) \(d$be\) blkback: d$id queue [0-9]+: first response after resuming at [0-9]+ us$" "$firsts" 60 ||
    grep -qE "^blkback: d$id queue [0-9]+: first response after resuming at [0-9]+ us$" <<<"$c" &&
    ok "restart $n: the resumed ring answered again" || fail "restart $n: no response after resuming"
  wait_acked $((before + 5)) 120 && ok "restart $n: records go on (record $(last_acked) acknowledged)" ||
    fail "restart $n: records stopped at $(last_acked)"
  c=$(lines)
  t1=$(sed -nE "s/^blkback: d$id queue [0-9]+: first response after resuming at ([0-9]+) us$/\1/p" <<<"$c" |
       sort -n | awk -v t="${t0:-0}" '$1 > t { print; exit }')
  [ -n "$t0" ] && [ -n "$t1" ] && echo "# restart $n: downtime $(( (t1 - t0) / 1000 )) ms (crash at $t0 us, first response at $t1 us; TCG)"
done
slog | grep -E "^\(d0\) \(d$be\) blkback: d$id queue [0-9]+: resuming a ring in use" | sed 's/^/# /'

# Let a few more records go, then stop everything and look at the image.
wait_acked $(( $(last_acked) + 3 )) 60
kill -KILL -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
acked=$(last_acked)
check "blkback's domain was never restarted as a whole" "$(nlines "domain-builder: (domain $be \(blkback\) shut down|restarted blkback)")" 0
if slog | tail -n +$((m0 + 1)) | grep -aE "^\(d0\) \(d$id\) .*(I/O error|blkfront|Setting capacity|xen-blkfront|xenbus|vbd)" >"$t/guest-blk.out"; then
  fail "the guest noticed: $(head -n 3 "$t/guest-blk.out" | tr '\n' ' ')"
else
  ok "the guest logged no I/O error and no blkfront/xenbus message across the restarts"
fi
no_oops "no Linux oops, BUG or WARNING"
slog | grep -qE "PANIC|DMA fault|broken ring|disconnected" && fail "a panic, DMA fault, broken ring or disconnect in the log" ||
  ok "no panic, DMA fault, broken ring or disconnect"
check "records acknowledged in order, each once" \
  "$(slog | sed -nE "s/^\(d0\) \(d$id\) record ([0-9]+) acked$/\1/p" | awk 'NR - 1 != $1 { bad++ } END { print bad + 0 }')" 0
# recs is the second VBD of the map (bbcmds: data 64 MiB at 1 MiB, recs 1 MiB at 65 MiB)
bad=$(records_bad "$img" $((65 << 20)) "$acked")
check "every acknowledged record (0-$acked) is in the image" "$bad" 0
finish

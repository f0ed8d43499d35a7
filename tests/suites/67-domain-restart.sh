#!/usr/bin/env bash
# blkback's whole domain dies under a running, unmodified Linux guest and is
# rebuilt (issue 16, the domain kind): the stack of 65-blkback-restart, with
# linux-rec.cfg writing numbered, checksummed, fsync'ed records to its VBD.
# Twice each, alternating: `crash domain` typed on blkback's console crashes
# the domain (SCHEDOP_shutdown, as a crash of the runtime ends it; on_crash =
# "restart"), and `xl restart blkback` destroys and rebuilds it.  The
# builder rebuilds it with the same domain id and PCI function, keeps its
# xenstore nodes (taken over before the old incarnation goes: the backend
# state stays Connected, nothing is removed), and the new blkback maps the
# same ring grant, binds the frontend's port (unbound, waiting for this id,
# since the old domain died) and resumes after the ring's last response.
# The guest must log no block I/O error and no xenbus message, the records
# must go on, and afterwards every acknowledged record is in the image.
# Downtime per restart (crash to first response, the hypervisor's system
# time both) is printed, not asserted.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 67 67-domain-restart.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/blkback"

img=$O/test-logs/67-domain-restart.img
# SOAK_S=N (make soak-restart): go on for N seconds after the first four
# restarts, cycling program crash, domain crash and xl restart at random
# moments, and report counts and downtimes instead of the exact totals.
SOAK_S=${SOAK_S:-0}
QEMU_TIMEOUT=$((SOAK_S + 600)) records_stack "$img"

m0=$(mark)
first_re="^\(d0\) \(d$be\) blkback: d$id queue [0-9]+: first response after resuming at ([0-9]+) us$"
crash_re="^\(d0\) domain-builder: domain $be \(blkback\) shut down: crash, action restart$"
n=0 ndom=0 nprog=0 end=$(( $(date +%s) + SOAK_S ))
: >"$t/downtimes"
while n=$((n + 1)); [ $n -le 4 ] || [ "$(date +%s)" -lt "$end" ]; do
  [ "$SOAK_S" -gt 0 ] && sleep $((RANDOM % 4))
  restarts=$(nlines "^\(d0\) domain-builder: restarted blkback as domain $be$")
  firsts=$(nlines "$first_re")
  crashes=$(nlines "$crash_re")
  before=$(last_acked)
  t0=
  case $(( n <= 4 ? n % 2 : n % 3 )) in
  1) kind="domain crash"
    con blkback '!crash domain' >"$t/con.out" 2>&1
    t0=$( (sed -n 's/^1: //p' "$t/con.out"; slog | sed -nE "s/^\(d0\) \(d$be\) //p") | tr -d '\r' |
         sed -nE 's/^blkback: crashing the domain at ([0-9]+) us$/\1/p' | tail -n 1)
    [ -n "$t0" ] && ok "restart $n ($kind): blkback crashed its domain" || fail "restart $n ($kind): no crash reported"
    wait_more "$crash_re" "$crashes" 60 && ok "restart $n ($kind): the builder saw the crash" ||
      fail "restart $n ($kind): no crash seen by the builder";;
  0) kind="xl restart"
    h0=$(date +%s.%N)
    check "restart $n ($kind): xl restart blkback" "$(xl restart blkback 2>&1)" "restarted blkback as domain $be";;
  2) kind="program crash"
    con blkback '!crash' >"$t/con.out" 2>&1
    t0=$( (sed -n 's/^1: //p' "$t/con.out"; slog | sed -nE "s/^\(d0\) \(d$be\) //p") | tr -d '\r' |
         sed -nE 's/^blkback: crashing \(SIGKILL\) at ([0-9]+) us$/\1/p' | tail -n 1)
    [ -n "$t0" ] && ok "restart $n ($kind): blkback crashed" || fail "restart $n ($kind): no crash reported";;
  esac
  if [ "$kind" = "program crash" ]; then
    nprog=$((nprog + 1))
  else
    ndom=$((ndom + 1))
    wait_more "^\(d0\) domain-builder: restarted blkback as domain $be$" "$restarts" 120 &&
      ok "restart $n ($kind): rebuilt with the same id ($be)" || fail "restart $n ($kind): not rebuilt as domain $be"
  fi
  # (a program crash's first response may go to the console session)
  wait_more "$first_re" "$firsts" 120 || grep -qE "^1: blkback: d$id queue [0-9]+: first response after resuming" "$t/con.out"
  [ $? = 0 ] && ok "restart $n ($kind): the resumed ring answered again" ||
    fail "restart $n ($kind): no response after resuming"
  wait_acked $((before + 5)) 120 && ok "restart $n ($kind): records go on (record $(last_acked) acknowledged)" ||
    fail "restart $n ($kind): records stopped at $(last_acked)"
  t1=$( (sed -nE 's/^1: (blkback: d[0-9]+ queue [0-9]+: first response after resuming at [0-9]+ us)$/(d0) (d'"$be"') \1/p' "$t/con.out";
        slog) | sed -nE "s/$first_re/\1/p" | sort -n | awk -v t="${t0:-0}" '$1 > t { print; exit }')
  if [ -n "$t0" ] && [ -n "$t1" ]; then
    echo "$kind $(( (t1 - t0) / 1000 ))" >>"$t/downtimes"
    echo "# restart $n ($kind): downtime $(( (t1 - t0) / 1000 )) ms (crash at $t0 us, first response at $t1 us; TCG)"
  elif [ "$kind" = "xl restart" ]; then
    echo "# restart $n ($kind): xl restart answered after $(awk -v a="$h0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (host clock, includes COM2)"
  fi
done
slog | grep -E "^\(d0\) (\(d$be\) blkback: d$id queue [0-9]+: resuming a ring in use|domain-builder: blkback: [0-9]+ xenstore nodes? kept)" | sed 's/^/# /' | tail -n 8
kept=$(nlines "^\(d0\) domain-builder: blkback: [0-9]+ xenstore nodes? kept for its next incarnation$")
resumed=$(slog | tail -n +$((m0 + 1)) | grep -cE "^\(d0\) \(d$be\) blkback: d$id queue 0: resuming a ring in use at response [0-9]+ \(requests published: [0-9]+\)$")
if [ "$SOAK_S" = 0 ]; then
  check "the kept nodes were taken over before each rebuild" "$kept" 4
  check "every incarnation resumed the ring (none started it afresh)" "$resumed" 4
else
  # a program crash's resume line may have gone to a console session
  echo "# soak: $((n - 1)) restarts ($nprog program crashes, $ndom domain deaths), nodes taken over $kept times, resumes logged $resumed"
  for k in "program crash" "domain crash"; do
    grep "^$k " "$t/downtimes" | awk '{ print $NF }' | sort -n >"$t/d"
    c=$(wc -l <"$t/d")
    [ "$c" -gt 0 ] && echo "# soak: $k downtime (ms, TCG): n=$c p50=$(sed -n "$(( (c + 1) / 2 ))p" "$t/d") p90=$(sed -n "$(( (c * 9 + 9) / 10 ))p" "$t/d") max=$(tail -n 1 "$t/d")"
  done
fi

wait_acked $(( $(last_acked) + 3 )) 60
kill -KILL -- -"$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
acked=$(last_acked)
if slog | tail -n +$((m0 + 1)) | grep -aE "^\(d0\) \(d$id\) .*(I/O error|blkfront|Setting capacity|xen-blkfront|xenbus|vbd)" >"$t/guest-blk.out"; then
  fail "the guest noticed: $(head -n 3 "$t/guest-blk.out" | tr '\n' ' ')"
else
  ok "the guest logged no I/O error and no blkfront/xenbus message across the restarts"
fi
no_oops "no Linux oops, BUG or WARNING"
slog | grep -qE "PANIC|DMA fault|broken ring|disconnected|restart of blkback failed" &&
  fail "a panic, DMA fault, broken ring, disconnect or failed restart in the log" ||
  ok "no panic, DMA fault, broken ring, disconnect or failed restart"
check "records acknowledged in order, each once" \
  "$(slog | sed -nE "s/^\(d0\) \(d$id\) record ([0-9]+) acked$/\1/p" | awk 'NR - 1 != $1 { bad++ } END { print bad + 0 }')" 0
bad=$(records_bad "$img" $((65 << 20)) "$acked")
check "every acknowledged record (0-$acked) is in the image" "$bad" 0
[ "$SOAK_S" = 0 ] || echo "# soak: records acknowledged $((acked + 1)), lost $bad"
finish

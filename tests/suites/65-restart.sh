#!/usr/bin/env bash
# Issue 16's acceptance: blkback and netback die under running, unmodified
# Linux guests, over and over, and the guests notice nothing but a pause.
# One QEMU machine: xenstore, blkback (virtio-blk 00:04.0, VBDs from
# bbcmds-restart), netback (the VFR, the rule "TCP to port 5002 dropped"
# from netback-rules), linux-rst-b (receives) and linux-rst-a, whose /init
# writes numbered, checksummed records to its VBD (a ring of slots, fsync
# after each, "record N acked" on its console) and streams numbered lines
# over TCP to linux-rst-b, both endlessly until told to stop.
# Meanwhile the suite kills blkback and netback in turn at random moments,
# KILLS (10) times each, alternating a crash of the program (`crash` on its
# console: the runtime restarts it, rings and ports kept) and a death of the
# domain (`xl destroy`, `crash domain` on its console and `xl restart` in
# turn: the builder rebuilds it with its id and xenstore nodes).  Each time the new backend
# must resume the rings (the records go on, the stream grows, a ping
# answers).  Then linux-rst-a is told to stop (a connection to its port
# 5009): the stream must end with no reset and every line received once, in
# order; every acknowledged record must be in the image; neither guest may
# log a block I/O error or a netfront, blkfront or xenbus message; the VFR
# rule must still hold.  The downtime of each restart (the crash, or the
# builder taking the domain down, to the new incarnation's first ring
# response; the hypervisor's system time) is printed, with percentiles per
# kind, never asserted.
# SOAK_S=N (make soak-restart): the kills go on for N seconds, a third guest
# (linux-rst-c: records on recs2, a stream to port 5003) runs too, and the
# counts, downtime percentiles and lost records/lines are reported.
# RESTART_QEMU_ARGS adds QEMU options (e.g. "-icount shift=3" for
# instruction-counted times).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 65 65-restart.serial
. tests/linux-domu/lib.sh
linux_prepare
need "$O/servers/blkback" "$O/servers/netback"
# the new builds the live upgrade installs (version PROG_VERSION-next),
# stripped (the notes stay) for the trip over COM2
make --no-print-directory -s O="$O" "$O/servers/blkback-next" "$O/servers/netback-next" >/dev/null 2>&1 ||
  fail "could not build $O/servers/blkback-next and $O/servers/netback-next"
for p in blkback netback; do strip -o "$t/$p-next" "$O/servers/$p-next" || fail "could not strip $p-next"; done
# note_version FILE: the version in a program's note (servers/lib/progver.h)
note_version() { objcopy -O binary --only-section=.note.tessera "$1" "$t/note" 2>/dev/null && tail -c +21 "$t/note" | tr '\0' '\n' | sed -n 2p; }

SOAK_S=${SOAK_S:-0}
KILLS=${KILLS:-10} # of each backend
seed=${SEED:-$$}
RANDOM=$seed
echo "# random seed $seed (SEED=$seed repeats the kill times)"
img=$O/test-logs/65-restart.img
rm -f "$img"
truncate -s 128M "$img"
mem=1024
[ "$SOAK_S" -gt 0 ] && mem=1400
BOOT_MODULES="$O/servers/blkback:blkback $D/bbcmds-restart:bbcmds $O/servers/netback:netback $D/netback-rules:netback-rules" \
  BOOT_QEMU_ARGS="-device intel-iommu,intremap=on -drive file=$img,if=none,id=vd0,format=raw,cache=writeback
    -device virtio-blk-pci,drive=vd0,disable-legacy=on,iommu_platform=on,addr=04.0 ${RESTART_QEMU_ARGS:-}" \
  QEMU_TIMEOUT=$((SOAK_S + 1200)) boot restart.list $mem xs.cfg blkback.cfg netback.cfg linux-rst.cfg
wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150
wait_re "^\(d0\) domain-builder: created domain [0-9]+ \(netback\)$" 90 || finish
bb=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(blkback\)$/\1/p' | tail -n 1)
nb=$(slog | sed -nE 's/^\(d0\) domain-builder: created domain ([0-9]+) \(netback\)$/\1/p' | tail -n 1)
wait_line "(d0) (d$bb) blkback: serving /local/domain/$bb/backend/vbd" 90 || finish
wait_line "(d0) (d$nb) netback: serving /local/domain/$nb/backend/vif" 60 || finish

create() { # create NAME N STEPS [VBD]: linux-rst.cfg as NAME, 10.0.0.N; sets cid to its domain id
  local out a="'name=\"$1\"' 'extra=\"console=hvc0 tessera_out=console tessera_steps=$3\"'"
  a+=" 'vif=[\"mac=00:16:3e:00:00:0$2, ip=10.0.0.$2, backend=netback\"]'"
  [ -n "${4:-}" ] && a+=" 'disk=[\"vdev=xvdb, access=rw, target=$4\"]'"
  out=$(xl "create linux-rst.cfg $a" 2>&1)
  cid=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
  check "xl create linux-rst.cfg as $1" "$out" "created domain $cid ($1)"
}
create linux-rst-b 2 modules,ip:10.0.0.2,shell
rb=$cid
wait_line "(d0) (d$rb) ip: eth0 10.0.0.2 up" 180 || finish
# B's console is driven from here (its kernel's own lines are read with dmesg)
out=$(con linux-rst-b 'dmesg -n 1' '(sleep 100000 | nc -l -p 5001 > /tmp/r) >/dev/null 2>&1 & echo listening' \
  '(sleep 100000 | nc -l -p 5003 > /tmp/r3) >/dev/null 2>&1 & echo listening')
check "linux-rst-b: nc listens on 5001 and 5003" "$(out_of 2 "$out") $(out_of 3 "$out")" "listening listening"
guests="linux-rst-a"
[ "$SOAK_S" -gt 0 ] && guests="linux-rst-a linux-rst-c"
declare -A gid
for g in $guests; do
  n=1 p=5001 v=recs
  [ $g = linux-rst-c ] && n=3 p=5003 v=recs2
  create $g $n modules,ip:10.0.0.$n,spawn:stopper:5009,spawn:stream:10.0.0.2:$p,spawn:records:xvdb,shell $v
  gid[$g]=$cid
  wait_line "(d0) (d$cid) ip: eth0 10.0.0.$n up" 180 || finish
done
ra=${gid[linux-rst-a]}
# acked G: the highest record guest G acknowledged so far
# (the shell's prompt and a terminal query may share the first record's line)
acked() { slog | sed -nE "s/^\(d0\) \(d${gid[$1]}\) (.*)record ([0-9]+) acked$/\2/p" | tail -n 1; }
wait_acks() { # wait_acks N S: every guest acknowledged record N or later within S s
  local end=$(($(date +%s) + $2)) g a
  for g in $guests; do
    while a=$(acked $g); [ -z "$a" ] || [ "$a" -lt "$1" ]; do
      [ "$(date +%s)" -lt "$end" ] || return 1
      sleep 0.3
    done
  done
}
wait_acks 10 240 && ok "records stream (record $(acked linux-rst-a) acknowledged)" ||
  { fail "no record 10 acknowledged"; finish; }
klog() { out_of 1 "$(con linux-rst-b 'dmesg | grep -ciE "netfront|blkfront|xenbus|vif|eth0|I/O error"')"; }
kb=$(klog)
# received: lines linux-rst-b has of each stream, and whether a ping to A answered
received() { out_of 1 "$(con linux-rst-b 'echo $(wc -l < /tmp/r) $(wc -l < /tmp/r3) $(ping -c 1 -W 3 10.0.0.1 | grep -c "bytes from")')"; }
grows() { # grows WHAT: both streams grow by 5 lines within 60 s, and a ping answers
  local r0 r end=$(($(date +%s) + 60))
  r0=($(received))
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep 1
    r=($(received))
    if [ "${#r[@]}" = 3 ] && [ "${r[0]}" -gt $((r0[0] + 5)) ] && { [ "$SOAK_S" = 0 ] || [ "${r[1]}" -gt $((r0[1] + 5)) ]; } &&
      [ "${r[2]}" = 1 ]; then
      ok "$1 (${r0[0]} -> ${r[0]} lines; a ping answered)"
      return 0
    fi
  done
  fail "$1 (${r0[*]} -> ${r[*]:-nothing}: lines, lines, pings answered)"
  return 1
}
grows "the stream flows"

m0=$(mark) # the guests' lines after m0 are what they saw of the restarts
: >"$t/downtimes"
# lines NAME: this restart's lines of NAME's domain, the console session's and the log's after mk
lines() { (sed -n 's/^1: //p' "$t/con.out"; slog | tail -n +$((mk + 1)) | sed -nE "s/^\(d0\) \(d$2\) //p") | tr -d '\r'; }
declare -A nprog ndom
nprog[blkback]=0 nprog[netback]=0 ndom[blkback]=0 ndom[netback]=0
dkinds=("xl restart" "xl destroy" "domain crash")
k=0 end=$(($(date +%s) + SOAK_S))
while k=$((k + 1)); [ $k -le $((2 * KILLS)) ] || [ "$(date +%s)" -lt "$end" ]; do
  sleep "$((RANDOM % 3)).$((RANDOM % 10))" # a random moment
  if [ $((k % 2)) = 1 ]; then be=blkback dom=$bb; else be=netback dom=$nb; fi
  j=$(((k + 1) / 2)) # this backend's j-th death
  # odd deaths: the program; even ones: the domain, by xl destroy, a crash
  # of the domain and xl restart in turn
  if [ $((j % 2)) = 1 ]; then kind="program crash"; else kind=${dkinds[$((j / 2 % 3))]}; fi
  [ "$SOAK_S" -gt 0 ] && [ $k -gt $((2 * KILLS)) ] &&
    case $((RANDOM % 4)) in 0 | 1) kind="program crash" ;; *) kind=${dkinds[$((RANDOM % 3))]} ;; esac
  what="restart $k ($be, $kind)"
  mk=$(mark)
  before=$(acked linux-rst-a)
  rebuilt=$(nlines "^\(d0\) domain-builder: restarted $be as domain $dom$")
  : >"$t/con.out"
  t0=
  case $kind in
  "program crash")
    nprog[$be]=$((nprog[$be] + 1))
    con $be '!crash' >"$t/con.out" 2>&1
    t0=$(lines $be $dom | sed -nE "s/^$be: crashing \(SIGKILL\) at ([0-9]+) us$/\1/p" | tail -n 1)
    [ -n "$t0" ] && ok "$what: the program crashed" || fail "$what: no crash reported"
    check "$what: the runtime restarted it" "$(lines $be $dom | grep -cE "^runtime: instance [0-9]+ started, ")" 1 ;;
  "domain crash")
    ndom[$be]=$((ndom[$be] + 1))
    con $be '!crash domain' >"$t/con.out" 2>&1
    t0=$(lines $be $dom | sed -nE "s/^$be: crashing the domain at ([0-9]+) us$/\1/p" | tail -n 1)
    [ -n "$t0" ] && ok "$what: the domain crashed" || fail "$what: no crash reported" ;;
  "xl restart")
    ndom[$be]=$((ndom[$be] + 1))
    check "$what: xl restart $be" "$(xl restart $be 2>&1)" "restarted $be as domain $dom" ;;
  "xl destroy")
    # the frontends it serves: the writers' disks, every guest's vif
    ndom[$be]=$((ndom[$be] + 1))
    nfe=$(echo $guests | wc -w); [ $be = netback ] && nfe=$((nfe + 1))
    pl=s; [ "$nfe" = 1 ] && pl=
    check "$what: xl destroy $be" "$(xl destroy $be 2>&1)" \
      "destroyed domain $dom ($be); rebuilt with its id for the devices of $nfe running domain$pl (destroy those first to remove it)" ;;
  esac
  if [ "$kind" != "program crash" ]; then
    FROM=$mk wait_re "^\(d0\) domain-builder: restarted $be as domain $dom$" 120 >/dev/null &&
      ok "$what: rebuilt with the same id ($dom)" || fail "$what: not rebuilt as domain $dom"
    # the builder's own account of the restart (when it began, where the time went)
    b=$(slog | tail -n +$((mk + 1)) | sed -nE "s/^\(d0\) domain-builder: $be's restart began at ([0-9]+) ms: (.*)$/\1 \2/p" | tail -n 1)
    case $kind in xl*) [ -n "$b" ] && t0=$((${b%% *} * 1000)) ;; esac
    [ -n "$b" ] && echo "# $what: builder: ${b#* }"
  fi
  first_re="^$be: d[0-9]+ queue [0-9]+: first response after resuming at ([0-9]+) us$"
  end1=$(($(date +%s) + 120))
  while t1=$(lines $be $dom | sed -nE "s/$first_re/\1/p" | sort -n | awk -v t="${t0:-0}" '$1 > t { print; exit }')
    [ -z "$t1" ] && [ "$(date +%s)" -lt "$end1" ]; do sleep 0.3; done
  [ -n "$t1" ] && ok "$what: the resumed rings answered again" || fail "$what: no response after resuming"
  if [ $be = blkback ]; then
    check "$what: the ring was resumed, not started afresh" \
      "$(lines $be $dom | grep -cE "^blkback: d$ra queue 0: resuming a ring in use at response [0-9]+ \(requests published: [0-9]+\) at [0-9]+ us$")" 1
    wait_acks $((before + 3)) 120 && ok "$what: records go on (record $(acked linux-rst-a) acknowledged)" ||
      fail "$what: records stopped at $(acked linux-rst-a)"
  else
    check "$what: linux-rst-a's rings were resumed" \
      "$(lines $be $dom | grep -cE "^netback: vif$ra\.0 queue 0: resuming rings in use at tx response [0-9]+, rx response [0-9]+$")" 1
    check "$what: the VFR rules read back from xenstore" \
      "$(lines $be $dom | grep -cx "netback: rules restored from /local/domain/$nb/data/vfr; /boot/netback-rules not run")" 1
    grows "$what: the stream flows again"
  fi
  if [ -n "$t0" ] && [ -n "$t1" ]; then
    echo "$be $kind|$(((t1 - t0) / 1000))" >>"$t/downtimes"
    echo "# $what: downtime $(((t1 - t0) / 1000)) ms (from $t0 us to the first response at $t1 us)"
    # where it went: the crash to the new program's start, its start-up,
    # the rings taken over (blkback logs when), the first response
    st=$(lines $be $dom | sed -nE "s/^$be: started at ([0-9]+) us in ([0-9]+) us \((.*)\)$/\1 \2 \3/p" | tail -n 1)
    # (xenbus_be's line: linux-rst-a's device resumed, and the xenstore
    # requests the new program made until then)
    xr=($(lines $be $dom | sed -nE "s|^xenbus_be: /local/domain/$dom/backend/v[a-z]+/$ra/[0-9]+: resumed at ([0-9]+) us, ([0-9]+) xenstore requests since the start$|\1 \2|p" | tail -n 1))
    rs=${xr[0]:-}
    if [ -n "$st" ]; then
      set -- $st
      w=""
      [ -n "${b:-}" ] && [ "$kind" = "domain crash" ] && w="to the builder's start $((${b%% *} - t0 / 1000)) ms, "
      w+="to the new program's start $((($1 - t0) / 1000)) ms, its start-up $(($2 / 1000)) ms (${*:3}, us)"
      if [ -n "$rs" ]; then
        w+=", to the rings resumed $(((rs - $1 - $2) / 1000)) ms (${xr[1]} xenstore requests), to the first response $(((t1 - rs) / 1000)) ms"
      else
        w+=", to the first response $(((t1 - $1 - $2) / 1000)) ms"
      fi
      echo "# $what: $w"
    fi
  fi
done
if [ "$SOAK_S" = 0 ]; then
  for be in blkback netback; do
    check "$be: killed ${KILLS}+ times (program crashes, domain deaths)" "${nprog[$be]} ${ndom[$be]}" \
      "$(((KILLS + 1) / 2)) $((KILLS / 2))"
  done
fi
for be in blkback netback; do
  check "$be: its xenstore nodes were taken over before each rebuild" \
    "$(nlines "^\(d0\) domain-builder: $be: [0-9]+ xenstore nodes? kept for its next incarnation$")" "${ndom[$be]}"
done
echo "# restarts: blkback ${nprog[blkback]} program crashes, ${ndom[blkback]} domain deaths; netback ${nprog[netback]} program crashes, ${ndom[netback]} domain deaths"
cut -d'|' -f1 "$t/downtimes" | sort -u | while read -r kd; do
  grep -F "$kd|" "$t/downtimes" | cut -d'|' -f2 | sort -n >"$t/d"
  c=$(wc -l <"$t/d")
  echo "# downtime, $kd (ms${RESTART_QEMU_ARGS:+, $RESTART_QEMU_ARGS}): n=$c p50=$(sed -n "$(((c + 1) / 2))p" "$t/d") p90=$(sed -n "$(((c * 9 + 9) / 10))p" "$t/d") max=$(tail -n 1 "$t/d")"
done

# Live upgrade: each backend replaced by a new build of its program
# (BE-next, version V-next, sent from the host by scripts/xl restart BE
# FILE) while the records and the stream run, by the same domain rebuild;
# refusals first (boot modules: none of that name, a text file, the other
# backend's program), each leaving the running program as it was.
X() { timeout 600 python3 scripts/xl -s "$sock" -t 300 "$@"; }
prog_of() { xl list -v "$1" 2>&1 | sed -nE "s/^$1 +[0-9]+ .*  ($1 [^ ]+ [0-9a-f]{8})$/\1/p"; }
p0=$(prog_of netback)
[ -n "$p0" ] && ok "xl list -v: netback runs $p0 (program, version, image CRC-32)" || fail "xl list -v shows no program for netback"
nref=$(nlines "^\(d0\) domain-builder: restarted netback as domain $nb$")
check "upgrade refused: no such image" "$(xl restart netback netback-v9 2>&1)" "xl: netback-v9: No such file or directory"
check "upgrade refused: not a program" "$(xl restart netback netback-rules 2>&1)" \
  "xl: netback-rules: not a program the runtime can load: not an ELF file"
check "upgrade refused: another program" "$(xl restart netback blkback 2>&1)" \
  "xl: blkback is program blkback, netback runs netback"
check "after the refusals netback was not rebuilt and runs $p0" \
  "$(nlines "^\(d0\) domain-builder: restarted netback as domain $nb$") $(prog_of netback)" "$nref $p0"
grows "after the refused upgrades the stream flows"
for be in blkback netback; do
  if [ $be = blkback ]; then dom=$bb; else dom=$nb; fi
  v0=$(prog_of $be)
  set -- $v0
  what="upgrade of $be to $be-next"
  mk=$(mark)
  before=$(acked linux-rst-a)
  nv=$(note_version "$t/$be-next")
  case $nv in *-next) ok "$what: $be-next is version $nv (a -next build)" ;; *) fail "$what: $be-next is version '$nv'" ;; esac
  check "$what: scripts/xl restart $be $t/$be-next" "$(X restart $be "$t/$be-next" 2>&1)" \
    "restarted $be as domain $dom with program $be version $nv"
  v1=$(prog_of $be)
  set -- $v1
  check "$what: xl list -v shows the new version" "$2" "$nv"
  [ "${v1##* }" != "${v0##* }" ] && ok "$what: a different image (CRC-32 ${v0##* } -> ${v1##* })" ||
    fail "$what: the same image CRC-32 (${v1##* })"
  FROM=$mk wait_re "^\(d0\) \(d$dom\) runtime: program $be version $2$" 60 >/dev/null &&
    ok "$what: the new program started (its runtime says version $2)" || fail "$what: the runtime did not start version $2"
  b=$(slog | tail -n +$((mk + 1)) | sed -nE "s/^\(d0\) domain-builder: $be's restart began at ([0-9]+) ms: (.*)$/\1/p" | tail -n 1)
  t0=$((${b:-0} * 1000))
  first_re="^$be: d[0-9]+ queue [0-9]+: first response after resuming at ([0-9]+) us$"
  end1=$(($(date +%s) + 120))
  while t1=$(lines $be $dom | sed -nE "s/$first_re/\1/p" | sort -n | awk -v t="$t0" '$1 > t { print; exit }')
    [ -z "$t1" ] && [ "$(date +%s)" -lt "$end1" ]; do sleep 0.3; done
  [ -n "$t1" ] && ok "$what: the resumed rings answered" || fail "$what: no response after the upgrade"
  [ -n "$b" ] && [ -n "$t1" ] && echo "# $what: downtime $(((t1 - t0) / 1000)) ms (from the builder's start at $t0 us to the first response at $t1 us)"
  if [ $be = blkback ]; then
    wait_acks $((before + 3)) 120 && ok "$what: records go on (record $(acked linux-rst-a) acknowledged)" ||
      fail "$what: records stopped at $(acked linux-rst-a)"
  else
    check "$what: the VFR rules read back from xenstore" \
      "$(lines $be $dom | grep -cx "netback: rules restored from /local/domain/$nb/data/vfr; /boot/netback-rules not run")" 1
    grows "$what: the stream flows again"
  fi
done

# the end: tell the writers to stop; their streams must end cleanly
for g in $guests; do
  ip=10.0.0.1; [ $g = linux-rst-c ] && ip=10.0.0.3
  out=$(con linux-rst-b "nc $ip 5009 </dev/null; echo rc=\$?")
  check "$g told to stop" "$(out_of 1 "$out")" "rc=0"
  FROM=$m0 wait_re "^\(d0\) \(d${gid[$g]}\) stream: [0-9]+ lines sent, nc rc=[0-9]+$" 60 >/dev/null
  FROM=$m0 wait_re "^\(d0\) \(d${gid[$g]}\) records: stopped after [0-9]+ records \(2048 slots\)$" 60 >/dev/null
done
lost_lines=0
for g in $guests; do
  s=$(slog | sed -nE "s/^\(d0\) \(d${gid[$g]}\) stream: ([0-9]+) lines sent, nc rc=([0-9]+)$/\1 \2/p" | tail -n 1)
  check "$g: the stream ended without an error (no reset)" "${s#* }" 0
  f=/tmp/r; [ $g = linux-rst-c ] && f=/tmp/r3
  out=$(con linux-rst-b "sleep 2; awk '\$1 != \"line\" || \$2 != NR - 1 { bad++ } END { print NR, bad + 0 }' $f")
  r=$(out_of 1 "$out")
  check "$g: every line arrived once, in order" "${r#* }" 0
  check "$g: as many lines received as sent (${s%% *})" "${r%% *}" "${s%% *}"
  [ -n "${s%% *}" ] && [ -n "${r%% *}" ] && lost_lines=$((lost_lines + ${s%% *} - ${r%% *}))
done
# the VFR rule from netback-rules still holds (kept in xenstore)
con linux-rst-b '(sleep 300 | nc -l -p 5002 > /tmp/r2) >/dev/null 2>&1 & echo listening' >/dev/null
out=$(con linux-rst-a 'echo x | nc -w 3 10.0.0.2 5002 >/dev/null 2>&1; echo rc=$?')
check "the VFR rule still drops TCP to port 5002" "$(out_of 1 "$out")" "rc=1"
check "linux-rst-b's kernel logged no netfront, xenbus or eth0 message across the restarts" "$(klog)" "$kb"
kill -KILL -- -"$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
qpid=
lost=0
for g in $guests; do
  if slog | tail -n +$((m0 + 1)) | grep -aE "^\(d0\) \(d${gid[$g]}\) .*(I/O error|blkfront|netfront|xenbus|vbd|vif|eth0|Setting capacity)" >"$t/guest.out"; then
    fail "$g noticed: $(head -n 3 "$t/guest.out" | tr '\n' ' ')"
  else
    ok "$g logged no I/O error and no blkfront, netfront or xenbus message across the restarts"
  fi
  check "$g: records acknowledged in order, each once" \
    "$(slog | sed -nE "s/^\(d0\) \(d${gid[$g]}\) (.*)record ([0-9]+) acked$/\2/p" | awk 'NR - 1 != $1 { bad++ } END { print bad + 0 }')" 0
  a=$(acked $g)
  # bbcmds-restart: data 64 MiB at 1 MiB, recs 1 MiB at 65 MiB, recs2 at 66 MiB
  off=$((65 << 20)); [ $g = linux-rst-c ] && off=$((66 << 20))
  bad=$(records_bad "$img" $off "$a" 2048)
  check "$g: every acknowledged record (0-$a) verifies in the image (the last 2048, their slots)" "$bad" 0
  lost=$((lost + bad))
done
no_oops "no Linux oops, BUG or WARNING"
no_fail_lines 'PANIC|DMA fault|broken ring|disconnected|restart of [a-z]+ failed'
[ "$SOAK_S" = 0 ] || echo "# soak: $((k - 1)) restarts in $SOAK_S s; records lost $lost, stream lines lost $lost_lines"
finish

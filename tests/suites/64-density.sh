#!/usr/bin/env bash
# Density (issue 19, the make test part): hypervisor + domain builder +
# xenstore domain, then N (default 100) tiny service-runtime domains from one
# config (tiny.cfg, `xl create tiny.cfg name=tinyI`), each running
# servers/domain-builder/tests/svc role=pair: an odd domain id grants its
# even neighbour a page and offers it an unbound event channel, the even one
# maps the grant, binds the channel, sends an event and gets the answer (the
# core's grant and event paths, domain to domain).  Checks: every create
# answers "created domain K", every pair's exact lines, xl list shows all,
# all are destroyed, xenstored releases each, and the hypervisor's free frame
# count is exactly the idle value (a tiny domain created and destroyed before;
# less the event channel buckets the service domains grew past 512 ports, kept
# as Xen keeps them).
# A domain filling its memory with a marker is destroyed and the next one
# finds no page of it (lazy scrubbing).
# A create larger than the free memory fails with "out of memory: ..." and
# changes nothing; with the N running, domains of up to 64 MiB (each within
# the free memory, so the hypervisor is what runs out) are created until one
# fails with "out of memory: ...", the others stay, and they are destroyed.  Then nothing leaked in the service domains: a probe domain created again
# gets the same domain id, the same event channel port in the builder (its
# console) and in xenstored (its store) as the first probe (ports are handed
# out lowest first), and the same free frame count after its destroy.
# Reported, not asserted: creation time of the 1st, 10th, 50th, 100th, 500th
# and 1000th domain, as the builder measures it (xl create received -> the
# domain's first console output, domain-builder --create-times) and as the
# host sees it (xl create sent -> the first console line in the serial log).
# DENSITY_N / DENSITY_MEM (MiB) change the run (bench/density.sh);
# DENSITY_ICOUNT=shift=2 runs QEMU with -icount shift=2 (guest time counts
# instructions: creation times that do not depend on the host's load).
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
N=${DENSITY_N:-100}
MEM=${DENSITY_MEM:-4}
t=$(mktemp -d "${TMPDIR:-/tmp}/tessera-64.XXXXXX")
log=$O/test-logs/64-density.serial
. tests/linux-domu/lib.sh
trap cleanup EXIT

for f in "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" \
         "$O/servers/builder-tests/svc" "$O/servers/builder-tests/iso" "$O/servers/xenstored"; do
  [ -f "$f" ] || { fail "$f is missing (run make)"; finish; }
done
mkdir -p "$O/test-logs"
printf 'name = "tiny"\nkernel = "runtime.elf"\nmemory = %s\nmodules = [ "svc role=pair" ]\n' \
  "$MEM" >"$t/tiny.cfg"
printf 'name = "fill"\nkernel = "runtime.elf"\nmemory = 4\nmodules = [ "svc name=fill" ]\n' >"$t/fill.cfg"
for r in mem evtchn grant xs; do   # the antisocial guests (servers/domain-builder/tests/iso)
  printf 'name = "%s"\nkernel = "runtime.elf"\nmemory = 8\nmaxmem = 12\nmodules = [ "iso role=%s name=%s" ]\n' \
    "$r" "$r" "$r" >"$t/iso-$r.cfg"
done
for r in dirty look; do   # lazy scrubbing: a dead domain's data never reaches the next
  printf 'name = "%s"\nkernel = "runtime.elf"\nmemory = 8\nmodules = [ "iso role=%s name=%s" ]\n' \
    "$r" "$r" "$r" >"$t/iso-$r.cfg"
done
printf 'xs.cfg\n' >"$t/boot.list"
sock=$t/com2.sock
mods=(--module "$O/servers/runtime.elf" --module "$O/servers/domain-builder:--boot boot.list --create-times"
      --module "$t/boot.list:boot.list" --module "$D/xs.cfg:xs.cfg" --module "$t/tiny.cfg:tiny.cfg"
      --module "$t/fill.cfg:fill.cfg" --module "$O/servers/builder-tests/iso:iso"
      --module "$t/iso-mem.cfg:iso-mem.cfg" --module "$t/iso-evtchn.cfg:iso-evtchn.cfg"
      --module "$t/iso-grant.cfg:iso-grant.cfg" --module "$t/iso-xs.cfg:iso-xs.cfg"
      --module "$t/iso-dirty.cfg:iso-dirty.cfg" --module "$t/iso-look.cfg:iso-look.cfg"
      --module "$O/servers/runtime.elf:runtime.elf" --module "$O/servers/xenstored:xenstored"
      --module "$O/servers/builder-tests/svc:svc")
qmem=${DENSITY_QEMU_MEM:-$(( 256 + N * MEM * 3 / 2 ))}
icount=()
[ -n "${DENSITY_ICOUNT:-}" ] && icount=(--qemu-arg -icount --qemu-arg "$DENSITY_ICOUNT")
setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --append "dom0_mem=48" \
  --mem "$qmem" --timeout "${QEMU_TIMEOUT:-$(( 600 + N * 3 ))}" --log "$log" "${icount[@]}" --qemu-arg -chardev \
  --qemu-arg "socket,id=c2,path=$sock,server=on,wait=off" \
  --qemu-arg -device --qemu-arg isa-serial,chardev=c2 >/dev/null 2>&1 &
qpid=$!
start=$(date +%s)

wait_line "(d0) domain-builder: created domain 1 (xenstore)" 150 || finish
wait_line "(d0) (d1) xenstored: control domain 0 connected" 60 || finish

# probe: one tiny domain created and destroyed; sets p (its id), pcons and pxs
# (its event channel ports in the builder and in xenstored), pframes
probe() {
  local out n
  out=$(xl create tiny.cfg name=\"probe\"); p=$(sed -nE 's/^created domain ([0-9]+) .*/\1/p' <<<"$out")
  check "xl create tiny.cfg name=\"probe\"" "$out" "created domain $p (probe)"
  wait_re "^\(d0\) \(d$p\) svc d$p: instance 1 on domain $p$" 60
  wait_re "^\(d0\) domain-builder: domain $p \(probe\): first console output " 30
  pcons=$(slog | sed -nE "s/^\(d0\) domain-builder: domain $p \(probe\): first console output .*; console port ([0-9]+)\)$/\1/p" | tail -n 1)
  pxs=$(slog | sed -nE "s/^\(d0\) \(d1\) xenstored: domain $p introduced \(port [0-9]+ -> local ([0-9]+)\)$/\1/p" | tail -n 1)
  n=$(nlines "^tessera: domain $p destroyed, free frames")
  check "xl destroy probe" "$(xl destroy probe)" "destroyed domain $p (probe)"
  wait_more "^tessera: domain $p destroyed, free frames" "$n" 60
  pframes=$(destroyed_frames "$p")
}
probe
p0=$p cons0=$pcons xs0=$pxs base=$pframes
[ -n "$base" ] && ok "idle free frames: $base" || { fail "probe: no free frame count"; finish; }
[ -n "$cons0" ] && [ -n "$xs0" ] && ok "probe's ports: builder $cons0, xenstored $xs0" ||
  fail "probe: ports not found in the log"

# a domain never sees another's data (freed frames are zeroed lazily, by idle
# steps or when allocated: kernel/common/frame.c): one fills all its memory
# with a marker and is destroyed, and in the same xl session the next one of
# the same size is created (the frames freed last are handed out first) and
# looks for the marker in all the memory it gets
out=$(xl create iso-dirty.cfg); id=$(sed -nE 's/^created domain ([0-9]+) .*/\1/p' <<<"$out")
check "xl create iso-dirty.cfg" "$out" "created domain $id (dirty)"
wait_re "^\(d0\) \(d${id:-x}\) iso dirty: filled [0-9]+ KiB with its marker$" 120
filled=$(slog | sed -nE "s/^\(d0\) \(d${id:-x}\) iso dirty: filled ([0-9]+) KiB with its marker$/\1/p")
check "the dirty domain filled at least 6 MiB of its 8 with its marker" "$(( ${filled:-0} >= 6144 ))" 1
out=$(printf 'destroy dirty\ncreate iso-look.cfg\n' | timeout 100 python3 scripts/xl-client -s "$sock" -t 60)
lid=$(sed -nE 's/^created domain ([0-9]+) \(look\)$/\1/p' <<<"$out")
check "xl destroy dirty; xl create iso-look.cfg (one session)" "$out" "destroyed domain $id (dirty)
created domain ${lid:-?} (look)"
wait_re "^\(d0\) \(d${lid:-x}\) iso look: scanned [0-9]+ KiB, [0-9]+ pages with a dead domain's data$" 120
check "the next domain: as much memory scanned, no page with the dead domain's data" \
  "$(slog | sed -nE "s/^\(d0\) \(d${lid:-x}\) iso look: (scanned .*)$/\1/p")" \
  "scanned ${filled:-?} KiB, 0 pages with a dead domain's data"
check "xl destroy look" "$(xl destroy look)" "destroyed domain ${lid:-?} (look)"

# a create that does not fit: a clear message, nothing changed or left behind
big=$(( base / 256 + 64 ))
check "xl create of $big MiB (more than is free): refused" \
  "$(xl create tiny.cfg name=\"huge\" memory=$big)" "xl: out of memory: huge needs $big MiB, $(( base / 256 )) MiB free"
check "after the refused create: xl info free_memory, no domain huge" \
  "$(xl info | sed -n 's/^free_memory *: //p')/$(xl list | awk '$1 == "huge"' | wc -l)" "$(( base / 256 ))/0"

# N tiny domains; ids must come in pairs (even first)
FROM=$(mark)
ids=() bad=
declare -A ctime
measured=" 1 10 50 100 500 1000 "
# create FROM TO: tiny$FROM..tiny$TO in one xl session; the ids into ids[]
create() {
  local i out id line
  out=$(for i in $(seq "$1" "$2"); do echo "create tiny.cfg name=\"tiny$i\""; done |
        timeout $(( 120 + ($2 - $1) * 4 )) python3 scripts/xl-client -s "$sock" -t 100)
  for i in $(seq "$1" "$2"); do
    line=$(sed -n "$(( i - $1 + 1 ))p" <<<"$out")
    id=$(sed -nE "s/^created domain ([0-9]+) \(tiny$i\)$/\1/p" <<<"$line")
    [ -n "$id" ] || { bad+=" tiny$i:[$line]"; return 1; }
    ids+=("$id")
  done
}
i=1
while [ "$i" -le "$N" ]; do
  if [[ "$measured" == *" $i "* ]]; then
    t0=$(date +%s.%N)
    create "$i" "$i" || break
    if line_time "^\(d0\) \(d${ids[$i-1]}\) " 60; then
      ctime[$i]=$(awk -v a="$t0" -v b="$T" 'BEGIN { printf "%d", (b - a) * 1000 }')
    else
      ctime[$i]=timeout
    fi
    i=$((i + 1))
  else
    j=$i    # up to the one before the next measured domain
    while [ "$j" -lt "$N" ] && [[ "$measured" != *" $((j + 1)) "* ]]; do j=$((j + 1)); done
    create "$i" "$j" || break
    i=$((j + 1))
  fi
done
check "xl create tiny.cfg name=\"tinyI\", I = 1..$N: created domain K (tinyI)" "${#ids[@]}${bad}" "$N"
first=${ids[0]:-0}
check "the tiny domains' ids are consecutive from an even one" \
  "$(( first % 2 ))/$(( ${ids[${#ids[@]}-1]:-0} - first + 1 ))" "0/${#ids[@]}"
for i in 1 10 50 100 500 1000; do
  [ -n "${ctime[$i]:-}" ] || continue
  b=$(slog | sed -nE "s/^\(d0\) domain-builder: domain ${ids[$i-1]} \(tiny$i\): first console output ([0-9]+) ms after create \((.*); console port [0-9]+\)$/\1 ms (\2)/p")
  echo "# creation time of domain $i: builder ${b:-?}; host (xl create sent -> first console line): ${ctime[$i]} ms"
done

# every pair: the taker's answer, the offerer's event and the page's text
npairs=$(( ${#ids[@]} / 2 ))
wait_more "^\(d0\) \(d[0-9]+\) svc d[0-9]+: answer received$" $(( npairs - 1 )) 240
miss=
for ((k = 0; k + 1 < ${#ids[@]}; k += 2)); do
  e=${ids[$k]} o=${ids[$k+1]}
  slog | grep -qxF "(d0) (d$e) svc d$e: the granted page says: hello from d$o" || miss+=" d$e:page"
  slog | grep -qxF "(d0) (d$e) svc d$e: answer received" || miss+=" d$e:answer"
  slog | grep -qxF "(d0) (d$o) svc d$o: event 1 from the peer, page now says: d$e was here" ||
    miss+=" d$o:event"
done
check "all $npairs pairs: page read, event sent, answer received" "${miss:-none missing}" "none missing"
check "xl list shows the $N tiny domains at $MEM MiB" \
  "$(xl list | awk '$1 ~ /^tiny[0-9]+$/ && $3 == '"$MEM"'' | wc -l)" "$N"
# domain ids above 1,023 (up to 0x7FEF, as Xen; the builder's domid key asks
# for one): a pair of tiny domains as 30000 and 30001 runs like the others
# (console lines, xenstored's introduction, the grant and event channel between
# them); an id in use and DOMID_FIRST_RESERVED are refused; both are destroyed
# and released (the hypervisor keeps the page of its domain table for ids
# 29696-30207, checked with the free frames at the end)
hi=30000 hj=30001
for k in $hi $hj; do
  check "xl create tiny.cfg name=\"hi$k\" domid=$k" "$(xl create tiny.cfg name=\"hi$k\" domid=$k)" "created domain $k (hi$k)"
done
wait_re "^\(d0\) \(d$hi\) svc d$hi: answer received$" 120
check "ids $hi and $hj: the page read, the event answered, over their consoles" \
  "$(slog | grep -cxF -e "(d0) (d$hi) svc d$hi: the granted page says: hello from d$hj" \
     -e "(d0) (d$hj) svc d$hj: event 1 from the peer, page now says: d$hi was here" \
     -e "(d0) (d$hi) svc d$hi: answer received")" 3
check "xenstored introduced domains $hi and $hj" \
  "$(slog | grep -cE "^\(d0\) \(d1\) xenstored: domain ($hi|$hj) introduced \(port [0-9]+ -> local [0-9]+\)$")" 2
check "xl create domid=$hi again: refused, in use" "$(xl create tiny.cfg name=\"hiagain\" domid=$hi)" "xl: domain id $hi is taken"
check "xl create domid=32752 (DOMID_FIRST_RESERVED): refused" "$(xl create tiny.cfg name=\"hires\" domid=32752)" "xl: tiny.cfg:7: 'domid' must be between 1 and 32751"
n=$(nlines "^\(d0\) \(d1\) xenstored: domain [0-9]+ released$")
check "xl destroy hi$hi hi$hj" "$(xl destroy hi$hi; xl destroy hi$hj)" \
  "destroyed domain $hi (hi$hi)
destroyed domain $hj (hi$hj)"
wait_more "^\(d0\) \(d1\) xenstored: domain [0-9]+ released$" $(( n + 1 )) 60
check "xenstored released domains $hi and $hj" \
  "$(slog | grep -cE "^\(d0\) \(d1\) xenstored: domain ($hi|$hj) released$")" 2

# antisocial guests (issue 19's isolation; bench/isolation.sh measures): each
# floods one resource until it is refused, with the exact refusal, and goes on
# flooding; meanwhile a tiny domain is created, runs and is destroyed, and
# after their destroy nothing of theirs is left (the frame count at the end)
for r in mem evtchn grant xs; do
  out=$(xl create iso-$r.cfg); id=$(sed -nE 's/^created domain ([0-9]+) .*/\1/p' <<<"$out")
  check "xl create iso-$r.cfg" "$out" "created domain $id ($r)"
  [ "$r" = xs ] && xsid=$id
done
for r in mem evtchn grant xs; do
  wait_re "^\(d0\) \(d[0-9]+\) iso $r: flooding$" 400
done
isol() { slog | sed -nE "s/^\(d0\) \(d[0-9]+\) iso $1: ($2)$/\1/p" | head -n 1; }
check "memory hog: increase_reservation past maxmem (12 MiB, 8 given): 1024 pages, then 0 extents" \
  "$(isol mem 'increase_reservation: .*')" "increase_reservation: 1024 pages more, then 0 extents; current = maximum"
check "event channel flood: ports up to max_evtchn_port 1023, then -ENOSPC" \
  "$(isol evtchn 'event channels: .*' | sed -E 's/^event channels: [0-9]+ allocated, //')" "the last port 1023, then -28"
check "grant flood: the table grows to its 32 frames, a 33rd is GNTST_general_error" \
  "$(isol grant 'setup_table .*')" "setup_table of 32 frames (the maximum): status 0; of 33: status -1"
check "grant flood: the runtime's 16 offers, then -ENOMEM (its table of offers is full)" \
  "$(isol grant 'grants: .*')" "grants: 16 pages offered to domain 0, then -12"
check "xenstore flood: nodes written until the node quota, then ENOSPC" \
  "$(isol xs 'xenstore: .*' | sed -E 's/^xenstore: [0-9]+ nodes written, //')" "then ENOSPC"
# xenstored defers the flooder once over its share of xenstored's time
# (servers/xenstore/sched.c) and nobody else (100 tiny domains, the builder);
# the flooder's answers stay right: 100 reads of its directory of 20-node
# subdirectories, all alike
xsn=$(isol xs 'xenstore: [0-9]+ nodes written, .*' | sed -E 's/^xenstore: ([0-9]+) .*/\1/')
wait_re "^\(d0\) \(d${xsid:-x}\) iso xs: xenstore: [0-9]+ of 100 directory reads" 300
check "xenstore flood: 100 directory reads answered, each the same $(( (${xsn:-0} + 19) / 20 )) entries" \
  "$(isol xs 'xenstore: [0-9]+ of 100 directory reads .*')" \
  "xenstore: 100 of 100 directory reads answered alike ($(( (${xsn:-0} + 19) / 20 )) entries)"
# the line can follow the reads (the flooder's share runs out a little later)
wait_re "^\(d0\) \(d1\) xenstored: domain ${xsid:-x} is over its share of our time: its requests wait$" 120
check "xenstore flood: xenstored defers the flooder, and no other domain" \
  "$(slog | grep -E '^\(d0\) \(d1\) xenstored: domain [0-9]+ is over its share of our time: its requests wait$')" \
  "(d0) (d1) xenstored: domain ${xsid:-x} is over its share of our time: its requests wait"
for r in mem evtchn grant xs; do echo "# iso $r: $(isol $r '(memory hog|event channels|grants|setup_table|xenstore|increase_reservation).*' )"; done
out=$(xl create fill.cfg name=\"during\"); id=$(sed -nE 's/^created domain ([0-9]+) .*/\1/p' <<<"$out")
check "during the floods: xl create fill.cfg name=\"during\"" "$out" "created domain $id (during)"
wait_re "^\(d0\) \(d${id:-x}\) svc fill: instance 1 on domain ${id:-x}$" 120
check "during the floods: xl destroy during" "$(xl destroy during)" "destroyed domain $id (during)"
out=$(for r in mem evtchn grant xs; do echo "destroy $r"; done | timeout 200 python3 scripts/xl-client -s "$sock" -t 100)
check "xl destroy of the 4 antisocial domains" "$(grep -c '^destroyed domain ' <<<"$out")" 4

# out of memory: domains of up to 64 MiB, each at most the free memory (so the
# builder's own check passes and the hypervisor runs out: createdomain's frames
# or populate_physmap), until one fails; it must say so, and change nothing
fills=() fmsg= fk=0
while [ "$fk" -lt 100 ]; do
  fk=$((fk + 1))
  fm=$(xl info | sed -n 's/^free_memory *: //p')
  m=$(( fm > 64 ? 64 : fm )); [ "$m" -lt 4 ] && m=4
  out=$(xl create fill.cfg name=\"fill$fk\" memory=$m)
  if [ "$out" = "created domain $(sed -nE 's/^created domain ([0-9]+) .*/\1/p' <<<"$out") (fill$fk)" ]; then
    fills+=("fill$fk")
  else
    fmsg="$out (fill$fk: $m MiB of $fm MiB free)"; break
  fi
done
echo "# host full after ${#fills[@]} more domains: $fmsg"
check "creating domains until the host is full: 'xl: out of memory: ...'" \
  "$(grep -cE '^xl: out of memory: ' <<<"$fmsg")" 1
check "after it: xl list has the $N tiny and ${#fills[@]} fill domains, no fill$fk" \
  "$(xl list | awk '$1 ~ /^tiny[0-9]+$/' | wc -l)/$(xl list | awk '$1 ~ /^fill[0-9]+$/' | wc -l)/$(xl list | awk -v n="fill$fk" '$1 == n' | wc -l)" \
  "$N/${#fills[@]}/0"
out=$(for f in "${fills[@]}"; do echo "destroy $f"; done |
      timeout $(( 120 + ${#fills[@]} * 4 )) python3 scripts/xl-client -s "$sock" -t 100)
check "xl destroy of the ${#fills[@]} fill domains" "$(grep -c '^destroyed domain ' <<<"$out")" "${#fills[@]}"
if slog | grep -qE 'FAIL|PANIC'; then fail "unexpected: $(slog | grep -E 'FAIL|PANIC' | head -n 1)"
else ok "no FAIL or PANIC line"; fi

# all destroyed (one xl session), each released by xenstored, frames back
out=$(for i in $(seq 1 "${#ids[@]}"); do echo "destroy tiny$i"; done |
      timeout $(( 120 + ${#ids[@]} * 4 )) python3 scripts/xl-client -s "$sock" -t 100)
want=$(for i in $(seq 1 "${#ids[@]}"); do echo "destroyed domain ${ids[$i-1]} (tiny$i)"; done)
check "xl destroy tiny1..tiny${#ids[@]}: destroyed domain K (tinyI) each" "$out" "$want"
last=${ids[${#ids[@]}-1]}
wait_more "^tessera: domain $last destroyed, free frames" 0 60
wait_more "^\(d0\) \(d1\) xenstored: domain [0-9]+ released$" $(( ${#ids[@]} - 1 )) 120
released=$(slog | sed -nE 's/^\(d0\) \(d1\) xenstored: domain ([0-9]+) released$/\1/p' | sort -u)
miss=
for id in "${ids[@]}"; do
  grep -qx "$id" <<<"$released" || miss+=" $id"
done
check "xenstored released every tiny domain" "${miss:-all}" "all"
f1=$(destroyed_frames "${ids[0]}")
if [ -n "$f1" ] && [ "${#ids[@]}" -gt 1 ]; then
  per=$(( (base - f1) / (${#ids[@]} - 1) ))
  echo "# hypervisor frames per tiny domain: $per ($(( MEM * 256 )) its memory, $(( per - MEM * 256 )) the hypervisor's own)"
fi
# The builder's and xenstored's maptrack frames go back when their mappings do;
# their event channel buckets (512 ports a page) stay, as Xen keeps them (a
# valid port stays valid): the idle value after the run is less one frame per
# bucket above the first that the highest port they used needed (docs/density.md).
bmax=$(slog | sed -nE 's/^\(d0\) domain-builder: domain [0-9]+ \(.*\): first console output .*; console port ([0-9]+)\)$/\1/p' | sort -n | tail -n 1)
xmax=$(slog | sed -nE 's/^\(d0\) \(d1\) xenstored: domain [0-9]+ introduced \(port [0-9]+ -> local ([0-9]+)\)$/\1/p' | sort -n | tail -n 1)
kept=$(( ${bmax:-0} / 512 + ${xmax:-0} / 512 ))
echo "# highest ports: builder ${bmax:-?}, xenstored ${xmax:-?}: $kept event channel buckets kept"
# likewise the pages of the hypervisor's domain table past the first (512 ids each)
leaves=$(slog | sed -nE 's/^tessera: domain ([0-9]+) created by domain .*/\1/p' |
         awk '$1 >= 512 { print int($1 / 512) }' | sort -u | wc -l)
kept=$(( kept + leaves ))
idle=$(( base - kept ))
check "free frames after the last destroy = idle value ($base, less $kept event channel buckets and domain table pages kept)" \
  "$(destroyed_frames "$last")" "$idle"
check "xl list: no tiny domain left" "$(xl list | awk '$1 ~ /^tiny/' | wc -l)" 0

# nothing leaked: the probe again gets the first probe's id, ports and frames
FROM=$(mark)
probe
check "probe after all: domain id, builder port, xenstored port, free frames" \
  "$p $pcons $pxs $pframes" "$p0 $cons0 $xs0 $idle"
echo "# $N tiny domains of $MEM MiB: $(( $(date +%s) - start )) s in all"
finish

#!/usr/bin/env bash
# xenstore benchmark: operations per second over the Unix socket for read,
# write, directory, transaction (start + write + commit), and watch-event
# fan-out to 100 watchers, for Tessera's xenstored and, on the same machine in
# the same run, Debian's Xen 4.17 daemons (C xenstored and oxenstored, started
# without a hypervisor through build/host/xenstore/xenshim.so). Runs are
# interleaved and the median of XS_BENCH_REPS (5) is reported, as absolute
# numbers on shared machines are noise. Prints Markdown on stdout.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
B=$O/host/xenstore
REPS=${XS_BENCH_REPS:-5}
XEN_BIN=/usr/lib/xen-4.17/bin
T=$(mktemp -d /tmp/xs-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

for f in xenstored xs-bench xenshim.so; do
  [ -e "$B/$f" ] || { echo "bench/xenstore.sh: $B/$f missing (run make all)" >&2; exit 1; }
done

wait_sock() {  # wait_sock SOCKET: true once a read of / answers
  for _ in $(seq 100); do
    XENSTORED_PATH=$1 timeout 2 xenstore-ls / >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  return 1
}

declare -A SOCK NAME
order=()
mkdir -p "$T/tessera"
"$B/xenstored" -s "$T/tessera/sock" -d "$T/tessera/state" 2>"$T/tessera/log" &
pids+=($!)
if wait_sock "$T/tessera/sock"; then
  order+=(tessera); SOCK[tessera]=$T/tessera/sock; NAME[tessera]="Tessera xenstored"
fi

xen_note="Debian's xen-utils-4.17 is not installed: no Xen comparison."
if [ -x "$XEN_BIN/xenstored" ]; then
  mkdir -p "$T/xen"; echo 1 >"$T/xen/xsd_port"; truncate -s 4096 "$T/xen/xsd_kva"
  XS_SHIM_DIR=$T/xen XENSTORED_RUNDIR=$T/xen XENSTORED_PATH=$T/xen/socket LD_PRELOAD=$PWD/$B/xenshim.so \
    "$XEN_BIN/xenstored" -N >"$T/xen/log" 2>&1 &
  pids+=($!)
  if wait_sock "$T/xen/socket"; then
    order+=(xen); SOCK[xen]=$T/xen/socket; NAME[xen]="Xen 4.17 C xenstored"
    xen_note="Xen's daemons are Debian's xen-utils-4.17 binaries, run on the host with an LD_PRELOAD shim that stubs the hypervisor interfaces they open at start-up; only their socket path is exercised."
  else
    xen_note="Xen's C xenstored did not start under the shim (see its log); no Xen comparison."
  fi
fi
if [ -x "$XEN_BIN/oxenstored" ]; then
  mkdir -p "$T/ox"
  cat >"$T/ox/ox.conf" <<EOF
pid-file = $T/ox/pid
persistent = false
xenstored-log-file = $T/ox/xenstored.log
access-log-file = $T/ox/access.log
xenstored-kva = $T/ox/kva
xenstored-port = $T/ox/port
EOF
  # oxenstored always listens on /var/run/xenstored/socket
  if [ ! -e /var/run/xenstored/socket ] || ! wait_sock /var/run/xenstored/socket; then
    XENSTORED_RUNDIR=$T/ox LD_PRELOAD=$PWD/$B/xenshim.so "$XEN_BIN/oxenstored" --no-fork \
      --no-domain-init --no-access-log --config-file "$T/ox/ox.conf" >"$T/ox/out" 2>&1 &
    pids+=($!)
    if wait_sock /var/run/xenstored/socket; then
      order+=(ox); SOCK[ox]=/var/run/xenstored/socket; NAME[ox]="Xen 4.17 oxenstored"
    fi
  fi
fi

ops=(read write directory transaction fanout)
declare -A N=([read]=20000 [write]=20000 [directory]=20000 [transaction]=5000 [fanout]=300)
declare -A LABEL=([read]="read" [write]="write" [directory]="directory (20 children)"
                  [transaction]="transaction (start + write + commit)"
                  [fanout]="watch events delivered, 100 watchers")
declare -A RES
for op in "${ops[@]}"; do
  for s in "${order[@]}"; do : >"$T/$s.$op"; done
  for _ in $(seq "$REPS"); do
    for s in "${order[@]}"; do
      v=$("$B/xs-bench" "${SOCK[$s]}" "$op" "${N[$op]}" 2>>"$T/bench.err") || v=
      [ -n "$v" ] && echo "$v" >>"$T/$s.$op"
    done
  done
  for s in "${order[@]}"; do
    RES[$s.$op]=$(sort -n "$T/$s.$op" | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print ""}')
  done
done

ratio() {  # ratio A B -> A/B with 2 decimals, or n/a
  if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'
  else echo "n/a"; fi
}

echo
echo "## xenstore (servers/xenstore)"
echo
echo "Operations per second over the Unix socket, one synchronous client (fan-out: events"
echo "per second summed over 100 watcher connections while one client writes). Median of"
echo "$REPS interleaved runs, same machine, same client (\`xs-bench\`). Tessera runs with"
echo "persistence on (journal in a state directory, no fsync per request); Xen's C"
echo "xenstored keeps its database in memory. Ratio = Tessera / Xen (higher is better)."
echo
hdr="| Operation |"; sep="|---|"
for s in "${order[@]}"; do hdr+=" ${NAME[$s]} |"; sep+="---:|"; done
for s in "${order[@]}"; do [ "$s" != tessera ] && { hdr+=" ratio vs ${NAME[$s]} |"; sep+="---:|"; }; done
echo "$hdr"; echo "$sep"
for op in "${ops[@]}"; do
  row="| ${LABEL[$op]} |"
  for s in "${order[@]}"; do row+=" ${RES[$s.$op]:-failed} |"; done
  for s in "${order[@]}"; do
    [ "$s" != tessera ] && row+=" $(ratio "${RES[tessera.$op]:-}" "${RES[$s.$op]:-}") |"
  done
  echo "$row"
done
echo
echo "$xen_note"
if [ -s "$T/bench.err" ]; then echo; echo "Client errors:"; sed 's/^/    /' "$T/bench.err" | head -10; fi

#!/usr/bin/env bash
# Rate limits measured (issue 15), under QEMU -icount shift=0,sleep=off: guest
# time is executed instructions, so what is measured does not depend on the
# host's load.  netback and a nettest domain with three vifs: vif 0 limited
# in what it sends (xl.cfg rate=1000000B/s@50ms, rate-pps=2000), vif 2 in
# what it receives (rx-rate, rx-rate-pps, the same).  Per direction nettest
# sends 100 large frames after idling (the burst: 50000 bytes, so 35 frames
# of 1400 bytes, plus what the bucket earns while they go), then floods with
# 1400-byte frames (the bytes/s limit binds: 714 frames/s) and with 60-byte
# frames (the packets/s limit binds), each measured at the receiver over 2 s.
# Checks: the burst within its exact bounds (computed from the time nettest
# measured), the sustained rates within 10% of the limits, and netback's
# counters account for every frame (sent = received + dropped by the limit).
set -u
. "$(dirname "$0")/lib.sh"
suite_init 63r 63-netback-rate.serial
. tests/netback/lib.sh
XL_T=200
T=300 QEMU_ARGS="-icount shift=0,sleep=off" QEMU_TIMEOUT=1800 nb_boot "netback nettest" netback.cfg rate.cfg
nb_netback netback.cfg
nb_create rate.cfg nettest-rate
id=$ID
wait_line "(d0) domain-builder: nettest-rate: vif 0 (00:16:3e:00:01:01, 10.0.1.1) on netback" 30
wait_line "(d0) (d$id) nettest: rate on domain $id, 3 vifs connected" 120 || finish
wait_line "(d0) (d$id) nettest: rate done" 1500 || finish
out=$(con netback '!counters' 2>&1)
slog | grep -F "(d$id) nettest: " >"$t/rate.txt"
printf '%s\n' "$out" >"$t/counters.txt"
python3 - "$t/rate.txt" "$t/counters.txt" "$id" >"$t/checks.txt" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
cnt = open(sys.argv[2]).read()
dom = sys.argv[3]
RB, BB, RP, BP = 1000000, 50000, 2000, 100   # rate.cfg: bytes/s, burst bytes, packets/s, burst packets
def say(ok, what):
    print(("ok - " if ok else "FAIL - ") + what)
def find(pat):
    for l in lines:
        m = re.search(pat, l)
        if m:
            return [int(x) for x in m.groups()]
    return None
sent = {}
for d, vin in (("tx-limit", "vif%s.0" % dom), ("rx-limit", "vif%s.2" % dom)):
    b = find(r"nettest: %s burst: size 1400 sent (\d+) received (\d+) in (\d+) ns all (\d+)" % d)
    if not b:
        say(False, "%s: no burst line" % d); continue
    s, r, dt, _ = b
    lo = min(BB // 1400, BP)
    hi = min((BB + RB * dt // 10**9) // 1400 + 1, BP + RP * dt // 10**9 + 1)
    say(s == 100 and lo <= r <= hi,
        "%s burst: %d of %d frames of 1400 bytes in %d ns, bounds [%d, %d] (%d bytes + 1 MB/s for that time)"
        % (d, r, s, dt, lo, hi, BB))
    tot_sent, tot_recv = s, b[3]
    for size, lim, unit in ((1400, RB, "bytes"), (60, RP, "packets")):
        m = find(r"nettest: %s sustained: size %d sent (\d+) window (\d+) ns received (\d+) pkts (\d+) bytes all (\d+)" % (d, size))
        if not m:
            say(False, "%s: no sustained line for size %d" % (d, size)); continue
        s, w, p, by, a = m
        tot_sent += s; tot_recv += a
        got = (by if unit == "bytes" else p) * 1e9 / w
        want = min(RB, RP * size) if unit == "bytes" else min(RP, RB / size)
        say(abs(got - want) <= 0.10 * want,
            "%s sustained %d-byte frames: %.0f %s/s measured over %d ns, limit %d (%+.2f%%, within 10%%)"
            % (d, size, got, unit, w, want, 100.0 * (got - want) / want))
    sent[d] = (tot_sent, tot_recv, vin)
# netback's counters: every frame the limited port did not pass is counted
for d, key in (("tx-limit", "rate-in"), ("rx-limit", "rate-out")):
    if d not in sent:
        continue
    s, r, port = sent[d]
    m = re.search(r"%s in \d+ pkts \d+ bytes out \d+ pkts \d+ bytes drops: .*%s (\d+)" % (re.escape(port), key), cnt)
    xm = re.search(r"%s in .* xmit (\d+)" % re.escape(port), cnt)
    dropped = int(m.group(1)) if m else -1
    say(m is not None and dropped == s - r,
        "%s: netback's %s drops on %s (%d) = sent %d - received %d" % (d, key, port, dropped, s, r))
PY
nb_checks "$t/checks.txt"
no_fail_lines "FAIL|PANIC|runtime: program killed"
finish

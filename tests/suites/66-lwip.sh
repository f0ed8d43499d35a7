#!/usr/bin/env bash
# The lwIP tiny guests (issue 15; docs/lwip.md): the builder starts the
# xenstore domain, netback with the virtio-net NIC (QEMU user networking,
# restrict=on: nothing leaves the machine; the host reaches the guests only
# through ports forwarded on 127.0.0.1) and two 4 MiB lwIP guests, lwip-a
# (10.0.2.15) and lwip-b (10.0.2.16, probing lwip-a through the VFR).  The
# host gets exact echo replies and lwip-a's page through the forwarded
# ports; lwip-b reports lwip-a's echo and page; a third guest gets its
# address by DHCP through the VFR; guests with hostile xenstore values or
# command lines stop with a clear error (hostile backend responses are the
# host unit tests' part, 48-lwip-unit).  Last, netback dies under the
# lwIP guests twice (its program crashes; `xl restart netback` rebuilds its
# domain): lwip-a keeps its vif without noticing (no message, no
# reconnection) and the host gets its page and echo again each time.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 66 66-lwip.serial
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/servers/xenstored" \
  "$O/servers/netback" "$O/guests/lwip.elf"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port=$(free_port); echo_port=$(free_port)
while [ "$echo_port" = "$http_port" ]; do echo_port=$(free_port); done
L=tests/lwip
mods=("$L/lwip.list:lwip.list")
for c in xs netback lwip-a lwip-b lwip-dhcp bad-port bad-ip bad-backend bad-cmdline; do mods+=("$L/$c.cfg:$c.cfg"); done
mods+=("$O/servers/runtime.elf:runtime.elf" "$O/servers/xenstored:xenstored" "$O/servers/netback:netback"
  "$O/guests/lwip.elf:lwip.elf")
QEMU_ARGS="-device intel-iommu,intremap=on
  -netdev user,id=n0,restrict=on,dhcpstart=10.0.2.50,hostfwd=tcp:127.0.0.1:$http_port-10.0.2.15:80,hostfwd=tcp:127.0.0.1:$echo_port-10.0.2.15:7
  -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=05.0" QEMU_TIMEOUT=400 \
  boot_builder 512 "dom0_mem=128" lwip.list "${mods[@]}"
WAIT_ABORT_RE='PANIC|lwip: error'
wait_line "(d0) domain-builder: boot configuration done: 4 domains started, 0 failed" 150 || finish
did() { slog | sed -nE "s/^\(d0\) domain-builder: created domain ([0-9]+) \($1\)$/\1/p" | tail -n 1; }
a=$(did lwip-a); b=$(did lwip-b); nb=$(did netback)
[ -n "$a" ] && [ -n "$b" ] && [ -n "$nb" ] || { fail "domain ids of lwip-a, lwip-b, netback"; finish; }
wait_line "(d0) (d$a) lwip: serving TCP echo on port 7 and HTTP on port 80" 120
wait_line "(d0) (d$b) lwip: serving TCP echo on port 7 and HTTP on port 80" 60
check "lwip-a's start line" "$(slog | grep -aE "^\(d0\) \(d$a\) lwip: domain $a " | sed -E 's/image [0-9]+ KiB/image N KiB/')" \
  "(d0) (d$a) lwip: domain $a (lwip-a), 1024 pages, image N KiB, lwIP 2.1.3"
check "lwip-a's vif" "$(slog | grep -aE "^\(d0\) \(d$a\) lwip: vif 0: /")" \
  "(d0) (d$a) lwip: vif 0: /local/domain/$nb/backend/vif/$a/0 on domain $nb, mac 00:16:3e:00:01:0f, static address"
check "lwip-a's address" "$(slog | grep -aE "^\(d0\) \(d$a\) lwip: vif 0: address")" "(d0) (d$a) lwip: vif 0: address 10.0.2.15"
check "lwip-b's address" "$(slog | grep -aE "^\(d0\) \(d$b\) lwip: vif 0: address")" "(d0) (d$b) lwip: vif 0: address 10.0.2.16"

# the host: lwip-a's page, other paths and bad requests, through 127.0.0.1:$http_port
page=$(host_get "$http_port" /)
check "the host fetches lwip-a's page through 127.0.0.1:$http_port" "$page" \
  "Hello from Tessera: lwIP guest lwip-a, domain $a, address 10.0.2.15"
raw() {  # raw REQUEST: the whole answer (status line, headers, body) with CRs shown as \r
  python3 - "$http_port" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
d = b""
try:
    while True:
        c = s.recv(4096)
        if not c:
            break
        d += c
except Exception as e:
    d += ("<%s>" % e).encode()
print(d.decode("latin-1").replace("\r", "\\r"), end="")
PY
}
body="Hello from Tessera: lwIP guest lwip-a, domain $a, address 10.0.2.15"
check "GET / whole answer" "$(raw 'GET / HTTP/1.0\r\n\r\n')" "HTTP/1.0 200 OK\r
Content-Type: text/plain\r
Content-Length: $((${#body} + 1))\r
Connection: close\r
\r
Hello from Tessera: lwIP guest lwip-a, domain $a, address 10.0.2.15"
check "GET /nothing is 404" "$(raw 'GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n' | head -n 1)" "HTTP/1.0 404 Not Found\r"
check "POST / is 405" "$(raw 'POST / HTTP/1.0\r\n\r\n' | head -n 1)" "HTTP/1.0 405 Method Not Allowed\r"
check "a request line that is not HTTP is 400" "$(raw 'hello there\r\n\r\n' | head -n 1)" "HTTP/1.0 400 Bad Request\r"
check "2 KiB without an empty line is 400" "$(raw "GET /$(printf 'a%.0s' {1..2048})" | head -n 1)" "HTTP/1.0 400 Bad Request\r"

# the host: exact echo replies through 127.0.0.1:$echo_port (a line, then 256 KiB of random bytes)
echo_host() {  # LINE [big]: LINE's echo, and with big whether 256 KiB of random bytes come back
  python3 - "$echo_port" "$@" <<'PY'
import os, socket, sys
def echo(data):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        got += c
    return got
print(echo(sys.argv[2].encode() + b"\n").decode().strip())
if len(sys.argv) > 3:
    big = os.urandom(256 * 1024)
    got = echo(big)
    print("%d %s" % (len(got), "same" if got == big else "DIFFERENT"))
PY
}
out=$(echo_host "tessera echo 1" big)
check "echo: a line comes back exactly" "$(sed -n 1p <<<"$out")" "tessera echo 1"
check "echo: 256 KiB of random bytes come back exactly" "$(sed -n 2p <<<"$out")" "262144 same"

# guest to guest through the VFR: lwip-b's probe of lwip-a
wait_line "(d0) (d$b) lwip: probe 10.0.2.15: echo port 7 answered 'hello from domain $b'" 60
wait_line "(d0) (d$b) lwip: probe 10.0.2.15: http port 80 answered 'Hello from Tessera: lwIP guest lwip-a, domain $a, address 10.0.2.15'" 60

# DHCP through the VFR (the vif's ip is a prefix)
WAIT_ABORT_RE='PANIC'
out=$(xl create lwip-dhcp.cfg); d=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
check "xl create lwip-dhcp.cfg" "$out" "created domain $d (lwip-dhcp)"
wait_line "(d0) (d$d) lwip: vif 0: address 10.0.2.50 (DHCP)" 90
# destroyed with its vif connected: netback loses the rings' mappings and
# must go on serving the others (checked at the end)
check "xl destroy lwip-dhcp (vif connected)" "$(xl destroy lwip-dhcp)" "destroyed domain $d (lwip-dhcp)"

# hostile xenstore values and command lines: a clear error, then poweroff (a
# bad MAC never gets this far: the builder refuses it; xenbus_fe's check of
# one is in 48-lwip-unit)
hostile() {  # CFG NAME ERROR: the guest's error line, and it is gone
  local out id
  FROM=$(mark)
  out=$(xl create "$1.cfg"); id=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
  check "xl create $1.cfg" "$out" "created domain $id ($1)"
  wait_line "(d0) (d$id) lwip: error: $(sed "s/DOMID/$id/g" <<<"$2")" 60
  wait_line "(d0) domain-builder: domain $id ($1) shut down: poweroff, action destroy" 30
}
hostile bad-port "command line: 'echo=0': not a port 1-65535"
hostile bad-ip "vif 0: /local/domain/$nb/backend/vif/DOMID/0/ip: '10.0.2.300' is not a unicast IPv4 address"
hostile bad-backend "vif 0: /local/domain/DOMID/device/vif/0/backend-id: cannot be read (-2)"
hostile bad-cmdline "command line: netmask 255.0.255.0 is not a netmask"

# still serving after all that (and netback did not restart)
FROM=0
check "lwip-a still answers the host" "$(raw 'GET / HTTP/1.0\r\n\r\n' | tail -n 1)" \
  "Hello from Tessera: lwIP guest lwip-a, domain $a, address 10.0.2.15"
slog | grep -qE "PANIC|runtime: program killed|DMA fault" && fail "a crash or a DMA fault in the log: $(slog | grep -E 'PANIC|runtime: program killed|DMA fault' | head -n 1)" ||
  ok "no crash, no DMA fault"

# netback restarted under the lwIP guests
con() { timeout 300 python3 tests/linux-domu/console.py -s "$sock" -t 120 "$@"; }
lwip_lines() { slog | grep -acE "^\(d0\) \(d$a\) "; }
la=$(lwip_lines); m0=$(mark)
again() {  # WHAT: the host gets lwip-a's page and an exact echo again (within 60 s)
  local end=$(( $(date +%s) + 60 )) p=
  while [ "$(date +%s)" -lt $end ]; do
    p=$(raw 'GET / HTTP/1.0\r\n\r\n' 2>/dev/null | tail -n 1)
    [ "$p" = "$body" ] && break
    sleep 2
  done
  check "$1: the host fetches lwip-a's page again" "$p" "$body"
  check "$1: echo answers again" "$(echo_host "after the restart")" "after the restart"
}
m=$(mark)
c=$(con netback '!crash' 2>&1)
grep -qE '^1: netback: crashing \(SIGKILL\) at [0-9]+ us' <<<"$c" && ok "restart 1: netback's program crashed" ||
  fail "restart 1: netback did not crash: $(head -c 200 <<<"$c")"
# (after `con`, the program's lines go to its console, not the log: the
# pages below are the evidence)
again "restart 1 (program)"
m=$(mark)
check "restart 2 (domain): xl restart netback" "$(xl restart netback 2>&1)" "restarted netback as domain $nb"
FROM=$m wait_re "^\(d0\) \(d$nb\) netback: vif$a\.0 queue 0: resuming rings in use at tx response [0-9]+, rx response [0-9]+$" 60
again "restart 2 (domain)"
check "lwip-a logged nothing across both restarts (its vif never went away)" "$(lwip_lines)" "$la"
after=$(slog | tail -n +$((m0 + 1)))
grep -qE "PANIC|DMA fault|lwip: error" <<<"$after" && fail "a panic, DMA fault or lwIP error: $(grep -E 'PANIC|DMA fault|lwip: error' <<<"$after" | head -n 1)" ||
  ok "no panic, DMA fault or lwIP error across the restarts"
finish

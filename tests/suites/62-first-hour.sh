#!/usr/bin/env bash
# A new user's first hour, as the README tells it (issue 17): `make run`'s
# system (scripts/run.sh: the GRUB ISO with the xenstore domain, blkback, a
# Debian Linux guest, netback and an lwIP guest, COM2 on a socket) boots; the
# host fetches the lwIP guest's page through the forwarded port; the host's scripts/xl lists the
# domains (xl info agrees), creates a second Linux guest from a config and
# files on the host (boot/examples/linux2.cfg, paths relative to the current
# directory as xl), attaches its console, runs a command, detaches, destroys
# it; a small guest whose kernel and module exist only on the host is sent
# over COM2 and runs.  The control-plane faults of the issue, on the real
# UART: a client that left attached or mid-line leaves nothing behind.
# Then: more boot modules than the hypervisor takes stop the boot.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
t=$(mktemp -d)
log=$O/test-logs/62-first-hour.serial
mkdir -p "$O/test-logs"
. tests/linux-domu/lib.sh
sock=$t/com2.sock
qpid=
trap cleanup EXIT
X() { timeout 900 python3 scripts/xl -s "$sock" -t 120 "$@"; }

: >"$log"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hp=$(free_port); ep=$(free_port); lp=$(free_port)
RUN_HTTP_PORT=$hp RUN_ECHO_PORT=$ep RUN_LINUX_PORT=$lp setsid bash scripts/run.sh --log "$log" --com2 "$sock" --disk "$t/disk.img" --timeout 1500 >"$t/run.out" 2>&1 &
qpid=$!
# the build steps of make run print what they do; QEMU then starts
end=$(( $(date +%s) + 900 ))
until grep -q "^make run: QEMU starting" "$t/run.out" || [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$qpid" 2>/dev/null; do sleep 1; done
if grep -q "^make run: QEMU starting" "$t/run.out"; then ok "make run's steps announced, QEMU started"
else fail "scripts/run.sh: $(tail -n 3 "$t/run.out" | tr '\n' ' ')"; finish; fi
for step in "building the hypervisor" "fetching the kernel package" "making the boot ISO"; do
  grep -q "^make run: $step" "$t/run.out" && ok "says: $step" || fail "does not say: $step"
done
grep -qE 'db-unit|passed, [0-9]+ failed' "$t/run.out" && fail "make run built or ran host unit tests" || ok "no host unit tests"

wait_line "(d0) domain-builder: boot configuration done: 5 domains started, 0 failed" 300 || finish
wait_re '^\(d0\) \(d4\) .*TESSERA-INIT-OK' 300 || finish

# the README's lwIP guest: its page from the host through 127.0.0.1:$hp
wait_line "(d0) (d5) lwip: serving TCP echo on port 7 and HTTP on port 80" 120
page=$(host_get "$hp" /)
check "the host fetches the lwIP guest's page (README)" "$page" "Hello from Tessera: lwIP guest lwip, domain 5, address 10.0.2.15"
# the Linux guest's vif: busybox httpd on its port 80 through 127.0.0.1:$lp
wait_line "(d0) (d4) net: eth0 10.0.2.16, httpd on port 80" 120
check "the host fetches the Linux guest's page through its vif (README)" "$(host_get "$lp" /)" \
  "Hello from Tessera: Linux guest, address 10.0.2.16"

# 1. xl list / xl info
out=$(X list); rc=$?
check "xl list: exit 0" "$rc" 0
check "xl list: xl's header" "$(head -n 1 <<<"$out")" "Name                                        ID   Mem VCPUs     State    Time(s)"
check "xl list: the builder, xenstore, blkback, netback, linux, lwip" "$(awk 'NR > 1 { print $1, $2 }' <<<"$out" | tr '\n' ' ')" "domain-builder 0 xenstore 1 blkback 2 netback 3 linux 4 lwip 5 "
check "lwip has 4 MiB" "$(awk '$1 == "lwip" { print $3 }' <<<"$out")" 4
check "linux has 256 MiB" "$(awk '$1 == "linux" { print $3 }' <<<"$out")" 256
check "xl info counts what xl list shows" "$(X info | sed -n 's/^nr_domains *: //p')" "$(($(wc -l <<<"$out") - 1))"

# the Linux guest's disk (README): blkback made the VBD data (ensure=data:256M)
# on the blank disk; blkfront shows it as /dev/xvda, 256 MiB
wait_line "(d0) (d2) ok data 256 MiB, 1 extent, detached" 10
wait_re '^\(d0\) \(d4\) \[ *[0-9.]+\] blkfront: xvda: flush diskcache: enabled; persistent grants: disabled; indirect descriptors: enabled;' 120
out=$(printf 'echo XVDA-$(cat /sys/block/xvda/size)\n' | X console linux)
grep -qx 'XVDA-524288' <<<"$(tr -d '\r' <<<"$out")" && ok "linux's shell: /dev/xvda has 524288 sectors (256 MiB)" ||
  fail "no XVDA-524288 in: $(tail -n 5 <<<"$out" | tr '\n' '|')"

# the README's VBD commands (xl vbd-*, blkback's control node): a VBD made at
# run time, attached to linux as xvdb, grown while attached, detached, deleted
check "xl vbd-create scratch 128M" "$(X vbd-create scratch 128M 2>&1)" "scratch 128 MiB, 1 extent, detached"
check "xl vbd-list" "$(X vbd-list 2>&1)" "2 vbds
data 256 MiB, 1 extent, rw d4
scratch 128 MiB, 1 extent, detached"
out=$(X vbd-delete data 2>&1); rc=$?
check "xl vbd-delete of an attached VBD: refused, exit 1" "$rc/$out" "1/xl: blkback: vbd 'data' is attached"
out=$(X vbd-create big 2G 2>&1); rc=$?
check "xl vbd-create past the disk: refused" "$rc/$out" "1/xl: blkback: not enough free space on the disk for 2048 MiB"
check "xl block-attach linux scratch as xvdb" "$(X block-attach linux 'vdev=xvdb, access=rw, target=scratch' 2>&1)" \
  "attached disk xvdb (vbd 'scratch', rw) of blkback to domain 4 (linux)"
# (the guest prints while it waits: scripts/xl detaches after 2 s of quiet)
xvdb() {
  printf 'i=0; while [ "$(cat /sys/block/xvdb/size 2>/dev/null)" != %s ] && [ $i -lt 120 ]; do echo -n .; sleep 0.5; i=$((i+1)); done; echo; echo XVDB-$(cat /sys/block/xvdb/size)\n' "$1" |
    X console linux | tr -d '\r' | grep -x "XVDB-[0-9]*"
}
check "linux's shell: /dev/xvdb has 262144 sectors (128 MiB)" "$(xvdb 262144)" XVDB-262144
check "xl vbd-grow scratch 192M while attached" "$(X vbd-grow scratch 192M 2>&1)" "scratch 192 MiB, 1 extent, rw d4"
check "linux's shell: /dev/xvdb grew to 393216 sectors" "$(xvdb 393216)" XVDB-393216
check "xl block-detach linux xvdb" "$(X block-detach linux xvdb 2>&1)" "detached disk xvdb from domain 4 (linux)"
check "xl vbd-delete scratch" "$(X vbd-delete scratch 2>&1)" "deleted scratch"

# 2. a second Linux guest from the host (the README's third command)
out=$(X create boot/examples/linux2.cfg 2>"$t/err"); rc=$?
check "xl create boot/examples/linux2.cfg" "$rc/$out" "0/created domain 6 (linux2)"
check "xl create: 'Parsing config from' on stderr" "$(cat "$t/err")" "Parsing config from boot/examples/linux2.cfg"
wait_re '^\(d0\) \(d6\) .*TESSERA-INIT-OK' 300
out=$(printf 'echo FIRST-HOUR-$((6 * 7))\n' | X console linux2); rc=$?
check "xl console linux2: exit 0 after detaching" "$rc" 0
grep -qx 'FIRST-HOUR-42' <<<"$(tr -d '\r' <<<"$out")" && ok "a command ran in linux2's shell" || fail "no FIRST-HOUR-42 in: $(tail -n 5 <<<"$out" | tr '\n' '|')"
out=$(X list); check "linux2 running after the detach" "$(awk '$1 == "linux2" { print $2 }' <<<"$out")" 6
out=$(X destroy linux2); rc=$?
check "xl destroy linux2" "$rc/$out" "0/destroyed domain 6 (linux2)"
check "linux2 gone" "$(X list | awk '$1 == "linux2"')" ""

# 3. files only the host has: sent over COM2 (gzip'd) and run
cp "$O/servers/runtime.elf" "$t/tiny-kernel.elf"
cp "$O/servers/builder-tests/svc" "$t/tiny-svc"
printf 'name = "tiny"\nkernel = "%s"\nmemory = 8\nmodules = [ "%s name=tiny" ]\n' \
  "$t/tiny-kernel.elf" "$t/tiny-svc" >"$t/tiny.cfg"
s0=$(date +%s)
out=$(XL_VERBOSE=1 X create "$t/tiny.cfg" 2>"$t/err"); rc=$?
check "xl create of a guest whose files are only on the host" "$rc/$out" "0/created domain 6 (tiny)"
echo "# $(grep -c '^xl: sent' "$t/err") files sent in $(( $(date +%s) - s0 )) s: $(grep '^xl: sent' "$t/err" | tr '\n' ' ')"
wait_line "(d0) (d6) svc tiny: instance 1 on domain 6" 120
check "xl destroy tiny" "$(X destroy tiny)" "destroyed domain 6 (tiny)"

# 4. errors in words, exit status
out=$(X destroy 0 2>&1); rc=$?
check "xl destroy 0 says why" "$rc/$out" "1/xl: domain 0 is the domain builder itself (the control domain that runs these commands): it cannot destroy itself"
printf 'name = "huge"\nkernel = "%s"\nmemory = 4000\n' "$t/tiny-kernel.elf" >"$t/huge.cfg"
out=$(X create "$t/huge.cfg" 2>&1 | tail -n 1); rc=${PIPESTATUS[0]}
[[ "$out" =~ ^xl:\ out\ of\ memory:\ huge\ needs\ 4000\ MiB,\ [0-9]+\ MiB\ free$ ]] && ok "too large: $out" || fail "too large: [$out]"

# 5. a client that leaves while attached, or mid-line: nothing left behind
python3 - "$sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"\x1d# leaving\n"); time.sleep(0.5)
s.sendall(b"xl console linux\n"); time.sleep(1.0)
s.close()                                  # gone without Ctrl-]
PY
out=$(X destroy nosuch 2>&1); rc=$?
check "after a client left attached: the next command runs in the shell" "$rc/$out" "1/xl: no domain 'nosuch'"
sleep 2
[ "$(nlines '\(d3\).*(xl: not found|nosuch)')" -eq 0 ] && ok "nothing reached the guest's shell" || fail "the guest got the command: $(slog | grep -E '\(d3\).*nosuch' | head -n 1)"
python3 - "$sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"inf"); time.sleep(0.5); s.close()
PY
out=$(timeout 120 python3 scripts/xl-client -s "$sock" -t 60 list | head -n 1)
check "a partial line of a client that left is not prepended" "$out" "Name                                        ID   Mem VCPUs     State    Time(s)"
no_oops "no Linux oops or warning"
kill -- -"$qpid" 2>/dev/null; qpid=

# 6. one boot module too many: the hypervisor says so and stops
mods=()
for i in $(seq 1 17); do mods+=(--module "boot/default/boot.list:m$i"); done
FROM=0
setsid bash scripts/qemu.sh --kernel "$O/tessera.elf" "${mods[@]}" --timeout 120 --log "$log.mods" >/dev/null 2>&1 &
qpid=$!
log0=$log; log=$log.mods
wait_line "tessera: PANIC: 17 boot modules given, at most 16 are supported: remove 1 from the boot configuration" 120
log=$log0
finish

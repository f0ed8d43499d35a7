#!/usr/bin/env bash
# Save and restore of a running PV guest through the domain builder (issue 20,
# docs/save-restore.md).  guests/save/save-guest.elf fills 1 MiB with a
# pattern, publishes its p2m as Linux does and suspends itself in rounds
# (SCHEDOP_shutdown(SHUTDOWN_suspend), as Linux's own path ends).
#   round 1: xl save -c (a checkpoint): the suspend returns 1, same frames;
#   round 2: xl save: the domain is gone; xl restore: a new domain, the
#            suspend returns 0, every frame moved, memory and counter intact;
#   the checkpoint of round 1 restored too: it resumes at round 1's counter.
# Hostile images sent from the host (junk, a wrong version, a truncated
# stream) and a missing name are refused with the reason and create nothing.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 66 save-restore.serial
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/guests/save-guest.elf"

printf 'name = "tiny"\nkernel = "save-guest.elf"\nmemory = 4\ncapabilities = [ "CONSOLE" ]\n' >"$t/tiny.cfg"
printf 'tiny.cfg\n' >"$t/boot.list"
cp "$O/guests/save-guest.elf" "$t/save-guest.elf"
boot_builder 256 dom0_mem=64 boot.list "$t/boot.list:boot.list" "$t/tiny.cfg:tiny.cfg" \
  "$t/save-guest.elf:save-guest.elf"
WAIT_ABORT_RE='FAIL - |PANIC'

wait_line "(d0) domain-builder: created domain 1 (tiny)" 150
wait_line "(d1) save-guest: round 1, counter 1000000, suspending"
wait_line "tessera: domain 1 shut down: suspend"
out=$(xl save -c tiny ck1)
[[ "$out" =~ ^saved\ domain\ 1\ \(tiny\)\ as\ ck1\ \([0-9]+\ bytes\),\ checkpoint:\ it\ runs\ on$ ]] &&
  ok "xl save -c: $out" || fail "xl save -c: $out"
wait_line "(d1) save-guest: round 1: suspend returned 1 (cancelled), counter 1000000, 0 of 64 frames moved, clock monotonic"

wait_line "(d1) save-guest: round 2, counter 2000000, suspending"
wait_more '^tessera: domain 1 shut down: suspend$' 1 60 && ok "suspended again" ||
  fail "no second suspend"
FROM=$(mark)
out=$(xl save tiny img2)
[[ "$out" =~ ^saved\ domain\ 1\ \(tiny\)\ as\ img2\ \([0-9]+\ bytes\)$ ]] && ok "xl save: $out" ||
  fail "xl save: $out"
wait_re '^tessera: domain 1 destroyed, free frames [0-9]+$'
[ -z "$(xl list | grep -E '^tiny ')" ] && ok "the saved domain is gone" || fail "tiny still listed"

check "xl restore img2" "$(xl restore img2)" "restored domain 1 (tiny)"
wait_re '^\(d1\) save-guest: round 2: suspend returned 0 \(resumed in a new domain\), counter 2000000, [0-9]+ of 64 frames moved, clock monotonic$'
wait_line "(d1) 9 passed, 0 failed"
wait_line "(d0) domain-builder: domain 1 (tiny) shut down: poweroff, action destroy"

FROM=$(mark)
check "xl restore ck1 (the checkpoint)" "$(xl restore ck1)" "restored domain 1 (tiny)"
wait_re '^\(d1\) save-guest: round 1: suspend returned 0 \(resumed in a new domain\), counter 1000000, [0-9]+ of 64 frames moved, clock monotonic$'
wait_line "(d1) 4 passed, 0 failed"
wait_line "(d0) domain-builder: domain 1 (tiny) shut down: poweroff, action destroy"

# hostile images from the host: refused whole, nothing created
python3 - "$sock" <<'PY' >"$t/put.out" 2>&1
import importlib.machinery, struct, sys, zlib
xl = importlib.machinery.SourceFileLoader("xl", "scripts/xl").load_module()
b = xl.Builder(sys.argv[1], 60)
def hdr(version):
    h = b"TESSAVE\n" + struct.pack("<II", version, 0)
    return h + struct.pack("<II", zlib.crc32(h) & 0xffffffff, 0)
b.put("junk.sav", b"this is not a save image at all" * 40)
b.put("v2.sav", hdr(2) + bytes(64))
b.put("cut.sav", hdr(1) + struct.pack("<II", 1, 24) + bytes(12))
print("sent")
PY
check "hostile images sent" "$(tail -n 1 "$t/put.out")" "sent"
before=$(xl list | cut -c1-40)
check "junk refused" "$(xl restore junk.sav)" "xl: junk.sav: not a Tessera save image (no TESSAVE header)"
check "wrong version refused" "$(xl restore v2.sav)" "xl: v2.sav: save image version 2, this builder reads version 1"
check "truncated image refused" "$(xl restore cut.sav)" "xl: cut.sav: save image truncated in a record at byte 24"
check "missing image" "$(xl restore nosuch)" "xl: nosuch: no such save image (xl save, or scripts/xl put)"
check "nothing created" "$(xl list | cut -c1-40)" "$before"
check "save of a missing domain" "$(xl save nosuch x)" "xl: no such domain"

# every frame back each time: the saved, the restored and the checkpoint's domain
FROM=0
check "free frames after each destroy are the same" \
  "$(slog | grep -E '^tessera: domain 1 destroyed, free frames' | sort -u | wc -l) $(nlines '^tessera: domain 1 destroyed')" "1 3"
no_fail_lines
finish

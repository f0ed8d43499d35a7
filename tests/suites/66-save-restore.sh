#!/usr/bin/env bash
# Save and restore of a running PV guest through the domain builder (issue 20,
# docs/save-restore.md).  guests/save/save-guest.elf fills 1 MiB with a
# pattern, publishes its p2m as Linux does and suspends itself in rounds
# (SCHEDOP_shutdown(SHUTDOWN_suspend), as Linux's own path ends).
#   round 1: xl save -c (a checkpoint): the suspend returns 1, same frames;
#   round 2: xl save: the domain is gone; xl restore: a new domain, the
#            suspend returns 0, every frame moved, memory and counter intact;
# Hostile images made on the host record by record and sent with xl put are
# refused with the reason: junk, a flipped byte (checksum), a truncated
# record, a wrong version, a p2m frame outside the image (at the parse); a
# p2m frame or a page-table entry naming a PFN without a page, a start_info
# that is not a suspended guest's (after the domain is made: it is
# destroyed); xl list is as before, every frame comes back.  Then the builder
# is unharmed: the checkpoint of round 1 restores and resumes at round 1's
# counter.  A 100 MiB guest's save is refused (its image cannot fit the
# store of host files) before it is asked to suspend.
set -u
. "$(dirname "$0")/lib.sh"
suite_init 66 save-restore.serial
need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/guests/save-guest.elf"

printf 'name = "tiny"\nkernel = "save-guest.elf"\nmemory = 4\ncapabilities = [ "CONSOLE" ]\n' >"$t/tiny.cfg"
printf 'name = "big"\nkernel = "save-guest.elf"\nmemory = 100\ncapabilities = [ "CONSOLE" ]\n' >"$t/big.cfg"
printf 'tiny.cfg\n' >"$t/boot.list"
cp "$O/guests/save-guest.elf" "$t/save-guest.elf"
boot_builder 256 dom0_mem=64 boot.list "$t/boot.list:boot.list" "$t/tiny.cfg:tiny.cfg" "$t/big.cfg:big.cfg" \
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

# hostile images from the host, made here record by record (stream.h): each
# refused with its reason, the ones that pass the parse refused after the
# domain was made, which is then destroyed; nothing is left behind
python3 - "$sock" <<'PY' >"$t/put.out" 2>&1
import importlib.machinery, struct, sys, zlib
xl = importlib.machinery.SourceFileLoader("xl", "scripts/xl").load_module()
b = xl.Builder(sys.argv[1], 60)
XTAB, L1TAB = 0xf << 28, 0x1 << 28
CFG = b'name = "bad"\nkernel = "save-guest.elf"\nmemory = 4\ncapabilities = [ "CONSOLE" ]\n'
def hdr(version=1):
    h = b"TESSAVE\n" + struct.pack("<II", version, 0)
    return h + struct.pack("<II", zlib.crc32(h) & 0xffffffff, 0)
def rec(kind, body):
    r = struct.pack("<II", kind, len(body)) + body + bytes(-len(body) % 8)
    return r + struct.pack("<II", zlib.crc32(r) & 0xffffffff, 0)
# 4 PFNs: 0-2 pages (start_info at 0, pfn 1 an L1 table if l1), 3 without a page (XTAB)
def image(p2m=1, l1=False):
    ents, data = b"", b""
    for pfn in range(4):
        kind = XTAB if pfn == 3 else L1TAB if (l1 and pfn == 1) else 0
        ents += struct.pack("<Q", pfn | kind << 32)
        if pfn == 1 and l1:
            data += bytes(7 * 8) + struct.pack("<Q", 3 << 12 | 1) + bytes(4096 - 64)  # entry 7 -> pfn 3
        elif pfn != 3:
            data += bytes([pfn]) * 4096  # start_info (pfn 0) all zero
    head = hdr() + rec(1, struct.pack("<IIQQ", 1, 0, 4, 0)) + rec(2, CFG) + rec(3, struct.pack("<Q", p2m)) + \
        rec(5, bytes(8 + 5168))
    return head, head + rec(4, struct.pack("<II", 4, 0) + ents + data) + rec(0, b"")
head, good = image()
flipped = bytearray(good); flipped[len(head) + 8 + 8 + 32 + 5000] ^= 0x10
b.put("flipped.sav", bytes(flipped))
b.put("cut.sav", good[: len(head) + 8 + 8 + 32 + 6000])
b.put("v2.sav", hdr(2) + good[24:])
b.put("p2mout.sav", image(p2m=4)[1])
b.put("p2mhole.sav", image(p2m=3)[1])
b.put("ptehole.sav", image(l1=True)[1])
b.put("nostart.sav", good)
b.put("junk.sav", b"this is not a save image at all" * 40)
print("sent %d" % len(head))
PY
phead=$(sed -n 's/^sent \([0-9]*\)$/\1/p' "$t/put.out")
[ -n "$phead" ] && ok "hostile images sent (PAGE_DATA at byte $phead)" || fail "hostile images: $(tail -n 3 "$t/put.out")"
before=$(xl list | awk '{print $1, $2, $3, $4}')
check "only the builder runs" "$before" "Name ID Mem VCPUs
domain-builder 0 64 1"
FROM=$(mark)
check "junk refused" "$(xl restore junk.sav)" "xl: junk.sav: not a Tessera save image (no TESSAVE header)"
check "a flipped byte refused (checksum)" "$(xl restore flipped.sav)" \
  "xl: flipped.sav: save image damaged: bad checksum of record 4 at byte $phead"
check "a truncated image refused" "$(xl restore cut.sav)" "xl: cut.sav: save image truncated in a record at byte $phead"
check "wrong version refused" "$(xl restore v2.sav)" "xl: v2.sav: save image version 2, this builder reads version 1"
check "a p2m frame outside the image refused" "$(xl restore p2mout.sav)" \
  "xl: p2mout.sav: P2M_FRAMES: frame 0 at pfn 0x4 out of range"
check "a p2m frame at a pfn without a page refused" "$(xl restore p2mhole.sav)" \
  "xl: restore of p2mhole.sav failed: p2m frame 0 has no page"
check "a page table naming a pfn without a page refused" "$(xl restore ptehole.sav)" \
  "xl: restore of ptehole.sav failed: L1 table at pfn 0x1: entry 7 names pfn 0x3, which has no page"
check "a start_info that is not a suspended guest's refused" "$(xl restore nostart.sav)" \
  "xl: restore of nostart.sav failed: start_info at pfn 0 is not a suspended guest's (console pfn 0, store pfn 0)"
check "missing image" "$(xl restore nosuch)" "xl: nosuch: no such save image (xl save, or scripts/xl put)"
check "save of a missing domain" "$(xl save nosuch x)" "xl: no such domain"
check "nothing left: xl list as before" "$(xl list | awk '{print $1, $2, $3, $4}')" "$before"
check "the domains made for the three refused after the parse were destroyed" \
  "$(nlines '^tessera: domain 1 destroyed, free frames')" "3"
no_fail_lines

# the builder is unharmed: the checkpoint of round 1 restores
FROM=$(mark)
check "xl restore ck1 (the checkpoint)" "$(xl restore ck1)" "restored domain 1 (tiny)"
wait_re '^\(d1\) save-guest: round 1: suspend returned 0 \(resumed in a new domain\), counter 1000000, [0-9]+ of 64 frames moved, clock monotonic$'
wait_line "(d1) 4 passed, 0 failed"
wait_line "(d0) domain-builder: domain 1 (tiny) shut down: poweroff, action destroy"

# a guest whose image cannot fit the store of host files (96 MiB in all): the
# save is refused with the sizes before the builder asks anything of it
FROM=$(mark)
check "xl create big.cfg (100 MiB)" "$(xl create big.cfg)" "created domain 1 (big)"
wait_line "(d1) save-guest: round 1, counter 1000000, suspending"
wait_line "tessera: domain 1 shut down: suspend"
check "a save of 100 MiB refused" "$(xl save big bigimg)" \
  "xl: save of big refused: big has 100 MiB of memory: its image cannot fit the store of host files (96 MiB in all); not suspended"
check "no image kept" "$(xl restore bigimg)" "xl: bigimg: no such save image (xl save, or scripts/xl put)"
check "big is still there" "$(xl list big | awk 'NR == 2 {print $1, $2, $3}')" "big 1 100"
check "xl destroy big" "$(xl destroy big)" "destroyed domain 1 (big)"
check "only the builder runs again" "$(xl list | awk '{print $1, $2, $3, $4}')" "$before"

# every frame back each time: the saved, the restored and the checkpoint's domain
FROM=0
check "free frames after each destroy are the same" \
  "$(slog | grep -E '^tessera: domain 1 destroyed, free frames' | sort -u | wc -l) $(nlines '^tessera: domain 1 destroyed')" "1 7"
no_fail_lines
finish

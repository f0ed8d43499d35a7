#!/usr/bin/python3
"""Where a hypervisor's instructions go, from a QEMU log of `-d in_asm,exec,nochain`
restricted with -dfilter to the hypervisor's address range (bench/profile.sh).

in_asm gives each translation block's guest instructions (once, when it is
translated), exec one line per execution of a block (nochain: every execution
goes through QEMU's main loop and is logged).  A "visit" is one stay in the
hypervisor: it starts at an entry point (with symbols: syscall_entry and the
IDT stubs, or Xen 4.17's lstar_enter, page_fault and interrupt stubs from
Debian's xen-syms; without: the block after one that left through
iretq/sysret).  Visits are classified by their entry and, with symbols, by the
first do_* handler they reach (the hypercall) or the trap path they take.
Page-table entries written by mmu_update are counted where the hypervisor has
a function per entry (Tessera's mmu_normal_update; Xen inlines its per-entry
work, so its entries are counted as calls where each call writes one entry).
"calls" counts the entries into Tessera's TLB-flush and CR3-load functions by
caller (under TCG each full flush costs a refill of every page touched after).

usage: profile.py LOG [ELF-with-symbols] > summary.json
"""
import bisect, json, re, subprocess, sys
from collections import defaultdict

log = sys.argv[1]
elf = sys.argv[2] if len(sys.argv) > 2 else None
syms, names = [], []
if elf:
    for line in subprocess.run(["nm", "-n", elf], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append(int(p[0], 16))
            names.append(p[2])


starts = set(syms)
# one execution of its first block per page-table entry an mmu_update writes
elem_pc = syms[names.index("mmu_normal_update")] if "mmu_normal_update" in names else None


def sym(pc):
    i = bisect.bisect_right(syms, pc) - 1
    return names[i] if i >= 0 else "?"


# Tessera's entry points, then Xen 4.17's (xen-syms)
ENTRY = re.compile(r"^(syscall_entry|syscall32_entry|debug_entry|stub_\d+|lstar_enter|cstar_enter|sysenter_entry|"
                   r"int80_direct_trap|page_fault|divide_error|debug|int3|overflow|bounds|invalid_op|"
                   r"device_not_available|invalid_TSS|segment_not_present|stack_segment|general_protection|"
                   r"alignment_check|entry_CP|nmi|machine_check|coprocessor_error|simd_coprocessor_error)$")
SYSCALL = ("syscall_entry", "lstar_enter")   # a syscall instruction: a hypercall, or a user syscall bounced
PAGE_FAULT = ("stub_14", "page_fault")
PTWR = ("pt_cmpxchg_entry", "ptwr_emulated_update")   # the guest's write to its page table was emulated
NOT_HYPERCALL = ("do_page_fault", "do_general_protection", "do_debug", "do_softirq", "do_IRQ", "do_trap",
                 "do_int3", "do_entry_CP")
insns = {}          # block pc -> instructions
exits = set()       # blocks that leave to the guest
cur_pc, cur_n, cur_exit = None, 0, False
total = 0
visits = defaultdict(lambda: [0, 0, 0])  # kind -> [visits, instructions, mmu_update elements]
by_sym = defaultdict(int)
user = defaultdict(int)
visit_kind, visit_n, visit_do, visit_el = None, 0, None, 0
leaving = True
sym_cache = {}
CALLS = ("flush_tlb_local", "flush_tlb_domain", "flush_tlb_domain_since", "flush_tlb_one_local", "arch_load_guest_cr3")
calls = defaultdict(lambda: defaultdict(int))   # callee -> caller -> entries
prev_sym = None


def close_visit():
    global visit_kind, visit_n, visit_el
    if visit_kind is not None:
        k = visit_kind
        if elf:
            if k in SYSCALL:
                k = "hypercall " + visit_do[3:] if visit_do else "syscall from guest user (bounce)"
            elif k in PAGE_FAULT:
                k = "#PF ptwr emulated" if visit_do == "ptwr" else "#PF bounced"
            elif k == "autogen_stubs":
                k = "interrupt"
            elif k.startswith("stub_"):
                v = int(k[5:])
                k = ("exception %d" % v) if v < 32 else ("interrupt 0x%x" % v)
        v = visits[k]
        v[0] += 1
        v[1] += visit_n
        v[2] += visit_el
    visit_kind, visit_n, visit_el = None, 0, 0


def flush_block():
    global cur_pc
    if cur_pc is not None:
        insns[cur_pc] = cur_n
        if cur_exit:
            exits.add(cur_pc)
    cur_pc = None


with open(log, errors="replace") as f:
    for line in f:
        if line.startswith("Trace "):
            flush_block()
            a = line.find("[")
            pc = int(line[a + 1:line.find("]", a)].split("/")[1], 16)
            n = insns.get(pc, 1)
            if pc < 0x800000000000:
                user[pc] += 1           # the benchmark's run(): counts its loop
                continue
            total += n
            if elf:
                s = sym_cache.get(pc)
                if s is None:
                    s = sym_cache[pc] = sym(pc)
                by_sym[s] += n
                if s in CALLS and pc in starts and prev_sym != s:
                    calls[s][prev_sym] += 1
                prev_sym = s
                if pc == elem_pc:
                    visit_el += 1
                if (ENTRY.match(s) and pc in starts) or s == "autogen_stubs":   # Xen: one stub per vector
                    close_visit()
                    visit_kind, visit_do = s, None
                elif visit_do is None and s.startswith("do_") and s not in NOT_HYPERCALL:
                    visit_do = s
                elif s in PTWR and visit_kind in PAGE_FAULT:
                    visit_do = "ptwr"           # the write was emulated
            else:
                if leaving:
                    close_visit()
                    visit_kind = "entry %x" % pc
                leaving = pc in exits
            visit_n += n
        elif line.startswith("0x"):
            if cur_pc is None:
                cur_pc, cur_n, cur_exit = int(line[2:line.find(":")], 16), 0, False
            cur_n += 1
            if "iret" in line or "sysret" in line:
                cur_exit = True
        elif not line.strip() or line.startswith("IN:") or line.startswith("----"):
            flush_block()
close_visit()
ops = max(user.values()) if user else 0
# ops: iterations of the benchmark's loop (its most executed block in run())
summary = {
    "ops": ops,
    "total": total,
    "per_op": round(total / ops) if ops else None,
    "visits": {k: {"visits": v[0], "instructions": v[1], "per_visit": round(v[1] / v[0]),
                   "visits_per_op": round(v[0] / ops, 3) if ops else None,
                   **({"pt_entries": v[2], "per_entry": round(v[1] / v[2])} if v[2] else {})}
               for k, v in sorted(visits.items(), key=lambda x: -x[1][1])},
    "calls": {k: dict(sorted(v.items(), key=lambda x: -x[1])) for k, v in calls.items()},
    "symbols": dict(sorted(by_sym.items(), key=lambda x: -x[1])[:60]),
}
json.dump(summary, sys.stdout, indent=1)
print()

#!/usr/bin/env bash
# The guest's hot paths stay on few pages (issue 18, docs/performance.md): under
# QEMU's TCG every 4 KiB page the hypervisor touches between two guest CR3
# switches costs a software-TLB refill, so HOT_PATH/HOT_DATA (types.h) keep the
# code and data of a guest system call, page fault and mmu_update together
# (kernel/arch/x86/linker.ld).  Checked on the built image with nm: a function
# that loses HOT_PATH, or a linker-script change that scatters them, fails here.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
source tests/suites/lib.sh
elf=$O/tessera.elf
if ! make --no-print-directory -s O="$O" "$elf" >/dev/null 2>&1; then
  fail "could not build $elf"
  finish
fi
syms=$(nm -S "$elf")

# pages NAME...: the distinct 4 KiB pages the named symbols cover (start to end).
pages() {
  echo "$syms" | python3 -c '
import sys
want = set(sys.argv[1:])
for l in sys.stdin:
    f = l.split()
    if f and f[-1] in want:
        a = int(f[0], 16)
        z = int(f[1], 16) if len(f) == 4 else 1
        for p in range(a >> 12, ((a + z - 1) >> 12) + 1):
            print("%x" % p)' "$@" | sort -u
}
missing() {
  local s
  for s in "$@"; do echo "$syms" | awk -v n="$s" '$NF == n { f = 1 } END { exit !f }' || echo "$s"; done
}
# The user system call bounced to the guest kernel and the iret hypercall back.
syscall_path=(syscall_entry return_to_guest guest_iretq syscall_dispatch hypercall_dispatch hypercall_invoke
  create_bounce_frame toggle_guest_mode arch_load_guest_cr3 exit_to_guest do_iret copy_from_guest copy_to_guest
  raw_copy guest_regs arch_iopl_flags)
# The #PF bounce and the one-entry mmu_update of an anonymous page fault.
fault_path=(stub_14 common_entry trap_dispatch bounce_exception ldt_fault emulate_smap_iret_quirk do_mmu_update
  start_batch mmu_normal_update get_pg_owner pt_update_entry_foreign get_page_type put_page_type get_l1e
  get_page put_page mm_lock_pair mm_unlock_pair)
hot_data=(ps hcs smap_active frame_table max_mfn m2p_table)

check "every hot-path symbol is in the image" "$(missing "${syscall_path[@]}" "${fault_path[@]}" "${hot_data[@]}")" ""
n=$(pages "${syscall_path[@]}" | wc -l)
if [ "$n" -le 2 ]; then ok "system-call bounce and iret code on $n page(s)"; else
  fail "system-call bounce and iret code on $n pages (want <= 2): $(pages "${syscall_path[@]}" | tr '\n' ' ')"; fi
n=$(pages "${syscall_path[@]}" "${fault_path[@]}" | wc -l)
if [ "$n" -le 3 ]; then ok "page-fault bounce and mmu_update code on $n page(s) with it"; else
  fail "hot code on $n pages (want <= 3): $(pages "${syscall_path[@]}" "${fault_path[@]}" | tr '\n' ' ')"; fi
n=$(pages "${hot_data[@]}" | wc -l)
check "the hot data (scheduler and hypercall state, SMAP flag, frame table pointers) on one page" "$n" 1
first=$(echo "$syms" | awk '$NF == "_text" { print $1 }')
hv=$(echo "$syms" | awk '$NF == "syscall_entry" { print $1 }')
if [ -n "$first" ] && [ -n "$hv" ] && [ "$(python3 -c "print(int('$hv', 16) - int('$first', 16) < 16384)")" = True ]; then ok "the hot code opens .text"; else
  fail "syscall_entry at $hv, .text at $first: .text.hot is not first"; fi
finish

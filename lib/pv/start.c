/* Start-of-day pieces of the PV base: the start_info/shared_info/P2M globals, the
 * shared_info mapping, callback registration and shutdown. */
#include "pv.h"

start_info_t *start_info;
shared_info_t *shared;
unsigned long *p2m;

/* The VA where shared_info gets mapped: a page of our own .bss whose L1 exists. */
static char shared_info_window[4096] ALIGNED_PAGE;

long pv_map_shared_info(start_info_t *si)
{
    start_info = si;
    p2m = (unsigned long *)si->mfn_list;
    uint64_t pte = si->shared_info | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    long rc = HYPERVISOR_update_va_mapping((uint64_t)shared_info_window, pte, UVMF_INVLPG);
    if (!rc) shared = (shared_info_t *)shared_info_window;
    return rc;
}

static long callback(unsigned type, void *addr, unsigned flags)
{
    struct callback_register cb = { .type = type, .flags = flags, .address = (unsigned long)addr };
    return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

long pv_register_callbacks(void)
{
    long rc = callback(CALLBACKTYPE_syscall, trap_entry_0x100, CALLBACKF_mask_events);
    long rc2 = callback(CALLBACKTYPE_failsafe, trap_entry_0x101, 0);
    long rc3 = callback(CALLBACKTYPE_event, trap_entry_0x102, 0);
    return rc ? rc : rc2 ? rc2 : rc3;
}

void pv_shutdown(unsigned reason)
{
    sched_shutdown_t sd = { .reason = reason };
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd); /* must not return; never run on */
}

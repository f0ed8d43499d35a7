/* Start of day: map shared_info, build the direct map, install traps and
 * callbacks, bind the timer, find the program in the module package and run it. */
#include "rt.h"

start_info_t *start_info;
shared_info_t *shared;
unsigned long *p2m;
domid_t self_domid;

static char shared_info_window[4096] ALIGNED_PAGE;

void rt_shutdown(unsigned reason)
{
    sched_shutdown_t sd = { .reason = reason };
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
}

void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("runtime: PANIC: %s\n", buf);
    rt_shutdown(SHUTDOWN_crash);
}

/* Package entry 0 (the first boot module after the runtime) is the program. */
static bool find_program(struct program *p)
{
    if (!(start_info->flags & SIF_MULTIBOOT_MOD) || !start_info->mod_len)
        return false;
    const uint8_t *pkg = (start_info->flags & SIF_MOD_START_PFN) ? pfn_va(start_info->mod_start)
                                                                 : (const uint8_t *)start_info->mod_start;
    const struct xen_multiboot_mod_list *m = (const void *)pkg;
    if (m[0].mod_end <= m[0].mod_start)
        return false;
    p->image = pkg + m[0].mod_start;
    p->size = m[0].mod_end - m[0].mod_start + 1;
    p->cmdline = m[0].cmdline ? (const char *)pkg + m[0].cmdline : "";
    return true;
}

static void find_domid(void)
{
    /* DOMID_SELF is enough for every call the runtime makes; the real id is
     * only reported (from the domctl capability query's echo when available). */
    self_domid = DOMID_SELF;
}

void rt_start(start_info_t *si)
{
    start_info = si;
    p2m = (unsigned long *)si->mfn_list;
    uint64_t pte = si->shared_info | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    if (HYPERVISOR_update_va_mapping((uint64_t)shared_info_window, pte, UVMF_INVLPG))
        rt_shutdown(SHUTDOWN_crash);
    shared = (shared_info_t *)shared_info_window;
    vcpu0->evtchn_upcall_mask = 1;
    mm_init();
    console_init();
    traps_init();
    events_init();
    time_init();
    options_parse((const char *)si->cmd_line);
    find_domid();
    uvm_init();
    struct program prog;
    if (!find_program(&prog)) {
        printk("runtime: no program: boot module 1 (the server ELF) is missing\n");
        rt_shutdown(SHUTDOWN_crash);
    }
    printk("runtime: %lu pages (%lu free), program %lu bytes, restart=%s max_restarts=%u\n",
           (unsigned long)si->nr_pages, pages_free(), (unsigned long)prog.size,
           opts.restart ? "always" : "never", opts.max_restarts);
    proc_run(&prog);
}

/* Start of day: map shared_info, build the direct map, install traps and
 * callbacks, bind the timer, find the program in the module package and run it. */
#include "rt.h"

domid_t self_domid;

void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printf("runtime: PANIC: %s\n", buf);
    pv_shutdown(SHUTDOWN_crash);
}

/* Package entry 0 (the first boot module after the runtime) is the program. */
static bool find_program(struct program *p) { return boot_module(0, &p->image, &p->size, &p->cmdline); }

void pv_start(start_info_t *si)
{
    if (pv_map_shared_info(si)) pv_shutdown(SHUTDOWN_crash);
    vcpu0->evtchn_upcall_mask = 1;
    mm_init();
    console_init();
    traps_init();
    events_init();
    time_init();
    options_parse((const char *)si->cmd_line);
    self_domid = pv_self_domid();
    if (self_domid == DOMID_SELF) self_domid = 0;
    uvm_init();
    struct program prog;
    if (!find_program(&prog)) {
        printf("runtime: no program: boot module 1 (the server ELF) is missing\n");
        pv_shutdown(SHUTDOWN_crash);
    }
    printf("runtime: domain %u, %lu pages (%lu free), program %lu bytes, restart=%s max_restarts=%u "
           "restart_window=%u\n",
           self_domid, (unsigned long)si->nr_pages, pages_free(), (unsigned long)prog.size,
           opts.restart ? "always" : "never", opts.max_restarts, opts.restart_window);
    proc_run(&prog);
}

/* C start of day (pv_start): record start_info, map shared_info, install traps, run the
 * guest's tests, print the summary and power off. */
#include "lib.h"

uint64_t *cur_l4;
const char guest_name[] = GUEST_NAME;

/* Kernel stack for bounces from guest user mode (stack_switch). */
char trap_stack[16384] ALIGNED_PAGE;

/* The value of "key=N" (decimal) on the command line, or dflt. */
uint64_t cmdline_u(const char *key, uint64_t dflt)
{
    const char *s0 = (const char *)start_info->cmd_line, *s = s0;
    size_t kl = strlen(key);
    for (; *s; s++)
        if ((s == s0 || s[-1] == ' ') && !strncmp(s, key, kl) && s[kl] == '=')
            return strtoul(s + kl + 1, NULL, 10);
    return dflt;
}

/* The guests' console is the hypervisor's (console_io), also before shared_info. */
void console_write(const char *s, size_t n) { console_io_write(s, n); }

void guest_exit(void)
{
    printf("%u passed, %u failed\n", checks_passed, checks_failed);
    pv_shutdown(SHUTDOWN_poweroff);
}

void pv_start(start_info_t *si)
{
    long rc = pv_map_shared_info(si);
    cur_l4 = (uint64_t *)si->pt_base;
    /* guests/xen-oracle.sh boots the guest as Xen's dom0 with this word on its command
     * line; no Tessera test passes it. */
    xen_dom0_oracle = (si->flags & SIF_INITDOMAIN) && strstr((const char *)si->cmd_line, "xen-oracle");
    printf("# %s: start_info %p, %lu pages, hypercalls via %s\n", guest_name, (void *)si,
           (unsigned long)si->nr_pages, USES_HCPAGE ? "hypercall page" : "syscall");
    if (rc) {
        printf("FAIL - map shared_info (update_va_mapping returned %ld)\n", rc);
        checks_failed++;
        guest_exit();
    }

    traps_init();
    rc = HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (uint64_t)trap_stack + sizeof(trap_stack));
    if (rc) {
        printf("FAIL - stack_switch at boot (%ld)\n", rc);
        checks_failed++;
    }
    test_main();
    guest_exit();
}

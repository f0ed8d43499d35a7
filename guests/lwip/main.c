/* Start of day and the main loop of the lwIP guest: shared_info, the console
 * ring, traps, the timer, the command line, xenstore, the vif, the servers;
 * then one loop that takes the backend's responses, runs lwIP's timers and
 * sleeps in SCHEDOP_block until an event or the next timer. */
#include "guest.h"

#include <xen/io/console.h>
#include "lwip/init.h"
#include "lwip/mem.h"
#include "lwip/timeouts.h"
#include "lwip/sys.h"

struct guest_opts opts;
domid_t self_domid;
char self_name[64] = "lwip";

static trap_info_t trap_table[] = { PV_TRAPS_STD(4), { 0, 0, 0, 0 } };

void console_write(const char *s, size_t n)
{
    if (xencons_present())
        xencons_write(s, n);
    else
        console_io_write(s, n);
}

void guest_fail(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printf("lwip: error: %s\n", buf);
    pv_shutdown(SHUTDOWN_poweroff);
}

void lwip_guest_assert(const char *msg, int line, const char *file)
{
    printf("lwip: PANIC: lwIP assertion '%s' failed at %s:%d\n", msg, file, line);
    pv_shutdown(SHUTDOWN_crash);
}

void trap_dispatch(struct pv_regs *r)
{
    if (r->vector == 0x102) {
        events_scan();
        return;
    }
    printf("lwip: PANIC: exception %lu at rip %lx (error code %lx, cr2 %lx)\n", (unsigned long)r->vector,
           (unsigned long)*reg_rip(r), (unsigned long)reg_ec(r), (unsigned long)vcpu0->arch.cr2);
    pv_shutdown(SHUTDOWN_crash);
}

/* lwIP's clock (ms) and random numbers: xorshift seeded from the TSC; only for
 * TCP sequence numbers, ports and DHCP transaction ids, not for keys. */
u32_t sys_now(void) { return (u32_t)(now_ns() / 1000000UL); }

uint32_t lwip_guest_rand(void)
{
    static uint64_t s;
    if (!s) s = rdtsc() | 1;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return (uint32_t)(s >> 16);
}

/* malloc for code built with lib/pv/libc (the xenstore client): lwIP's heap */
void *malloc(size_t n) { return mem_malloc((mem_size_t)n); }

void *calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size) return NULL;
    return mem_calloc((mem_size_t)n, (mem_size_t)size);
}

void free(void *p)
{
    if (p) mem_free(p);
}

/* "key=a.b.c.d" words; an unparsable value stops the guest with the word. */
static void opt_ip(const char *word, const char *key, ip4_addr_t *out, bool *set)
{
    size_t k = strlen(key);
    if (strncmp(word, key, k) || word[k] != '=') return;
    if (!ip4addr_aton(word + k + 1, out)) guest_fail("command line: '%s': not an IPv4 address", word);
    if (set) *set = true;
}

static void opt_port(const char *word, const char *key, uint16_t *out)
{
    size_t k = strlen(key);
    if (strncmp(word, key, k) || word[k] != '=') return;
    const char *end;
    unsigned long v = strtoul(word + k + 1, &end, 10);
    if (end == word + k + 1 || *end || v == 0 || v > 65535)
        guest_fail("command line: '%s': not a port 1-65535", word);
    *out = (uint16_t)v;
}

static void options_parse(const char *cmdline)
{
    IP4_ADDR(&opts.netmask, 255, 255, 255, 0);
    opts.echo_port = 7;
    opts.http_port = 80;
    char word[MAX_GUEST_CMDLINE];
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        if (!n) break;
        if (n >= sizeof(word)) n = sizeof(word) - 1;
        memcpy(word, p, n);
        word[n] = 0;
        p += n;
        while (*p && *p != ' ')
            p++;
        opt_ip(word, "netmask", &opts.netmask, NULL);
        opt_ip(word, "gw", &opts.gw, NULL);
        opt_ip(word, "peer", &opts.peer, &opts.have_peer);
        opt_port(word, "echo", &opts.echo_port);
        opt_port(word, "http", &opts.http_port);
    }
    if (!ip4_addr_netmask_valid(ip4_addr_get_u32(&opts.netmask)))
        guest_fail("command line: netmask %s is not a netmask", ip4addr_ntoa(&opts.netmask));
}

static bool console_setup(start_info_t *si)
{
    uint64_t mfn = si->console.domU.mfn;
    if (!mfn || HYPERVISOR_console_io(CONSOLEIO_write, 0, "") == 0)
        return false; /* the hypervisor's console is ours */
    uint64_t pfn = m2p(mfn);
    if (pfn >= si->nr_pages) return false;
    xencons_init((struct xencons_interface *)(VIRT_BASE + (pfn << PAGE_SHIFT)), si->console.domU.evtchn);
    return true;
}

static bool vif_wake(void *arg)
{
    (void)arg;
    return vif_pending();
}

void pv_start(start_info_t *si)
{
    if (pv_map_shared_info(si)) pv_shutdown(SHUTDOWN_crash);
    vcpu0->evtchn_upcall_mask = 1;
    console_setup(si);
    if (HYPERVISOR_set_trap_table(trap_table) || pv_register_callbacks())
        guest_fail("cannot install the trap table and callbacks");
    long rc = events_bind_timer();
    if (rc) guest_fail("cannot bind VIRQ_TIMER (%ld)", rc);
    self_domid = pv_self_domid();
    options_parse((const char *)si->cmd_line);
    lwip_init();
    store_init();
    printf("lwip: domain %u (%s), %lu pages, image %lu KiB, lwIP %s\n", self_domid, self_name,
           (unsigned long)si->nr_pages, (unsigned long)(_image_end - _image_start) / 1024,
           LWIP_VERSION_STRING);
    vif_init();
    apps_init();
    if (opts.have_peer) probe_start();
    for (;;) {
        vif_poll();
        sys_check_timeouts();
        u32_t sleep = sys_timeouts_sleeptime();
        if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE || sleep > 1000) sleep = 1000;
        if (!vif_pending()) wait_until(vif_wake, NULL, now_ns() + (uint64_t)sleep * 1000000UL);
    }
}

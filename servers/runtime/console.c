/* The domain's console: console_io writes when the domain holds the CONSOLE
 * capability, otherwise the start_info console ring and its event channel. */
#include "rt.h"

static bool use_hypercall;
static struct xencons_interface *ring;
static evtchn_port_t ring_port;

void console_init(void)
{
    use_hypercall = HYPERVISOR_console_io(CONSOLEIO_write, 0, "") == 0;
    uint64_t pfn;
    if (!use_hypercall && mfn_is_ours(start_info->console.domU.mfn, &pfn)) {
        ring = pfn_va(pfn);
        ring_port = start_info->console.domU.evtchn;
    }
}

static bool ring_has_space(void *arg)
{
    (void)arg;
    return ring->out_prod - ring->out_cons < sizeof(ring->out);
}

static void ring_write(const char *s, size_t n)
{
    while (n) {
        if (!ring_has_space(NULL)) {
            if (!ring_port)
                return;                 /* nobody reads it: drop */
            notify_port(ring_port);
            wait_until(ring_has_space, NULL, now_ns() + 1000000000UL);
            if (!ring_has_space(NULL))
                return;
        }
        XENCONS_RING_IDX prod = ring->out_prod;
        while (n && prod - ring->out_cons < sizeof(ring->out)) {
            ring->out[MASK_XENCONS_IDX(prod, ring->out)] = *s++;
            prod++;
            n--;
        }
        asm volatile("sfence" ::: "memory");
        ring->out_prod = prod;
        if (ring_port)
            notify_port(ring_port);
    }
}

void console_write(const char *s, size_t n)
{
    if (use_hypercall) {
        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
        return;
    }
    if (ring)
        ring_write(s, n);
}

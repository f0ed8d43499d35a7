/* The domain's console: console_io when the domain holds the CONSOLE capability
 * (input: CONSOLEIO_read, woken by VIRQ_CONSOLE), otherwise the start_info console
 * ring and its event channel (output to out[], input from in[]). */
#include "rt.h"

static bool use_hypercall;
static struct xencons_interface *ring;
static evtchn_port_t ring_port;
static char in_buf[256];
static unsigned in_len, in_off;

void console_init(void)
{
    use_hypercall = HYPERVISOR_console_io(CONSOLEIO_write, 0, "") == 0;
    uint64_t pfn;
    if (!use_hypercall && mfn_is_ours(start_info->console.domU.mfn, &pfn)) {
        ring = pfn_va(pfn);
        ring_port = start_info->console.domU.evtchn;
    }
    if (use_hypercall) {
        struct evtchn_bind_virq bv = { .virq = VIRQ_CONSOLE, .vcpu = 0 };
        evtchn_op(EVTCHNOP_bind_virq, &bv); /* a wake-up when input arrives, if ever */
    } else if (ring_port) {
        port_unmask(ring_port);
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
            if (!ring_port) return; /* nobody reads it: drop */
            notify_port(ring_port);
            wait_until(ring_has_space, NULL, now_ns() + 1000000000UL);
            if (!ring_has_space(NULL)) return;
        }
        XENCONS_RING_IDX prod = ring->out_prod;
        while (n && prod - ring->out_cons < sizeof(ring->out)) {
            ring->out[MASK_XENCONS_IDX(prod, ring->out)] = *s++;
            prod++;
            n--;
        }
        asm volatile("sfence" ::: "memory");
        ring->out_prod = prod;
        if (ring_port) notify_port(ring_port);
    }
}

void console_write(const char *s, size_t n)
{
    if (use_hypercall) {
        console_io_write(s, n);
        return;
    }
    if (ring) ring_write(s, n);
}

/* Refill the input buffer without blocking; true if bytes are buffered. */
static bool input_ready(void *arg)
{
    (void)arg;
    if (in_off < in_len) return true;
    in_off = in_len = 0;
    if (ring) {
        XENCONS_RING_IDX cons = ring->in_cons, prod = ring->in_prod;
        asm volatile("lfence" ::: "memory");
        while (cons != prod && in_len < sizeof(in_buf))
            in_buf[in_len++] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
        asm volatile("mfence" ::: "memory");
        ring->in_cons = cons;
        if (in_len && ring_port) notify_port(ring_port);
    } else if (use_hypercall) {
        long n = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(in_buf), in_buf);
        in_len = n > 0 ? (unsigned)n : 0;
    }
    return in_len > 0;
}

bool console_readable(void) { return input_ready(NULL); }

/* Blocks until input arrives (a console without input blocks forever, as a
 * terminal would), or -EAGAIN when nonblock. */
long console_read(uint64_t buf, size_t n, bool nonblock)
{
    if (!n) return 0;
    if (!input_ready(NULL)) {
        if (nonblock) return -EAGAIN;
        wait_until(input_ready, NULL, 0);
    }
    size_t k = MIN(n, (size_t)(in_len - in_off));
    memcpy((void *)buf, in_buf + in_off, k);
    in_off += (unsigned)k;
    return (long)k;
}

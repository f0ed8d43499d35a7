/* The guest end of the start_info console ring (xen/io/console.h) for kernels
 * on the PV base whose console is not the hypervisor's: output into out[]
 * (waiting up to a second for room, then dropping, so a console nobody reads
 * cannot stop the kernel), input from in[], the ring's event channel kicked
 * after each. */
#include "pv.h"
#include <xen/io/console.h>

static struct xencons_interface *ring;
static evtchn_port_t ring_port;

void xencons_init(struct xencons_interface *r, evtchn_port_t port)
{
    ring = r;
    ring_port = port;
    if (port) port_unmask(port);
}

bool xencons_present(void) { return ring != NULL; }

static bool has_space(void *arg)
{
    (void)arg;
    return ring->out_prod - ring->out_cons < sizeof(ring->out);
}

void xencons_write(const char *s, size_t n)
{
    if (!ring) return;
    while (n) {
        if (!has_space(NULL)) {
            if (!ring_port) return; /* nobody reads it: drop */
            notify_port(ring_port);
            wait_until(has_space, NULL, now_ns() + 1000000000UL);
            if (!has_space(NULL)) return;
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

size_t xencons_read(char *buf, size_t n)
{
    if (!ring) return 0;
    XENCONS_RING_IDX cons = ring->in_cons, prod = ring->in_prod;
    size_t k = 0;
    asm volatile("lfence" ::: "memory");
    /* a producer index more than the ring ahead is the peer's bug: take one ring's worth */
    if (prod - cons > sizeof(ring->in)) cons = prod - sizeof(ring->in);
    while (cons != prod && k < n)
        buf[k++] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
    asm volatile("mfence" ::: "memory");
    ring->in_cons = cons;
    if (k && ring_port) notify_port(ring_port);
    return k;
}

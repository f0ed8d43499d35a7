/* /dev/tessera/irq/N: ISA interrupt line N for a driver program of an ISA
 * device (the builder's COM2 UART).  Opening maps the line as a pirq
 * (PHYSDEVOP_map_pirq, MAP_PIRQ_TYPE_GSI: the core lends lines to domains
 * holding CAP_IO) and binds it to an event channel; read() waits for an
 * interrupt and returns, as 4 bytes, how many arrived since the last read;
 * poll() is readable while one is waiting.  The line is edge-triggered and
 * acknowledged by the core: the program just drains its device. */
#include "rt.h"
#include <xen/physdev.h>

#define O_NONBLOCK 04000
#define MAX_LINES  4

struct line {
    bool used;
    int pirq;
    evtchn_port_t port;
    uint32_t fired;
};
static struct line lines[MAX_LINES];

static void on_irq(evtchn_port_t port, void *arg)
{
    (void)port;
    ((struct line *)arg)->fired++;
}

static bool fired(void *arg) { return ((struct line *)arg)->fired != 0; }

static void unmap(int pirq)
{
    struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = pirq };
    HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u);
}

long irq_open(struct file *f, const char *name)
{
    const char *end;
    unsigned long gsi = strtoul(name, &end, 10);
    if (!*name || *end || gsi > 15) return -ENOENT;
    struct line *l = NULL;
    for (unsigned i = 0; i < MAX_LINES && !l; i++)
        if (!lines[i].used) l = &lines[i];
    if (!l) return -EMFILE;
    struct physdev_map_pirq m = {
        .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = (int)gsi, .pirq = -1
    };
    long rc = HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m);
    if (rc) return rc;
    struct evtchn_bind_pirq bp = { .pirq = (uint32_t)m.pirq };
    if ((rc = evtchn_op(EVTCHNOP_bind_pirq, &bp))) {
        unmap(m.pirq);
        return rc;
    }
    *l = (struct line){ .used = true, .pirq = m.pirq, .port = bp.port };
    port_set_handler(bp.port, on_irq, l);
    port_unmask(bp.port);
    f->priv = l;
    return 0;
}

static long irq_read(struct file *f, uint64_t buf, size_t n)
{
    struct line *l = f->priv;
    if (n < 4) return -EINVAL;
    if (!l->fired) {
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        wait_until(fired, l, 0);
    }
    uint32_t k = l->fired;
    l->fired = 0;
    return copy_to_user(buf, &k, 4) ? -EFAULT : 4;
}

static unsigned irq_poll(struct file *f) { return ((struct line *)f->priv)->fired ? POLLIN | POLLRDNORM : 0; }

static void irq_close(struct file *f, bool keep)
{
    (void)keep;
    struct line *l = f->priv;
    port_set_handler(l->port, NULL, NULL);
    struct evtchn_close c = { .port = l->port };
    evtchn_op(EVTCHNOP_close, &c);
    unmap(l->pirq);
    l->used = false;
}

const struct file_ops irq_fops = {
    .read = irq_read,
    .poll = irq_poll,
    .close = irq_close,
    .mode = 0020000 | 0400,
    .rdev = (243 << 8) | 1,
};

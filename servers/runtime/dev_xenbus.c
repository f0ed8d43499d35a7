/* /dev/xen/xenbus: the domain's own xenstore connection (start_info's store page
 * and event channel) as Linux's byte stream: write() sends xsd_sockmsg requests,
 * read() returns replies and watch events as the daemon wrote them.  One open
 * file at a time; -ENODEV when the builder gave the domain no store channel. */
#include "rt.h"
#include <xen/io/xs_wire.h>

#define O_NONBLOCK 04000
static struct xenstore_domain_interface *intf;
static evtchn_port_t port;
static bool busy;

static void on_event(evtchn_port_t p, void *arg)
{
    (void)p;
    (void)arg;
}

long xenbus_open(struct file *f)
{
    uint64_t pfn;
    if (busy) return -EBUSY;
    if (!start_info->store_evtchn || !mfn_is_ours(start_info->store_mfn, &pfn)) return -ENODEV;
    if (!intf) {
        intf = pfn_va(pfn);
        port = start_info->store_evtchn;
        port_set_handler(port, on_event, NULL);
        port_unmask(port);
    }
    busy = true;
    f->priv = intf;
    return 0;
}

static bool can_write(void *a)
{
    (void)a;
    return intf->req_prod - intf->req_cons < XENSTORE_RING_SIZE;
}
static bool can_read(void *a)
{
    (void)a;
    return intf->rsp_prod != intf->rsp_cons;
}

static long xb_write(struct file *f, uint64_t buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        if (!can_write(NULL)) {
            if (f->flags & O_NONBLOCK) return done ? (long)done : -EAGAIN;
            wait_until(can_write, NULL, 0);
        }
        XENSTORE_RING_IDX prod = intf->req_prod;
        while (done < n && prod - intf->req_cons < XENSTORE_RING_SIZE)
            intf->req[MASK_XENSTORE_IDX(prod++)] = ((const char *)buf)[done++];
        asm volatile("sfence" ::: "memory");
        intf->req_prod = prod;
        notify_port(port);
    }
    return (long)done;
}

static long xb_read(struct file *f, uint64_t buf, size_t n)
{
    if (!n) return 0;
    if (!can_read(NULL)) {
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        wait_until(can_read, NULL, 0);
    }
    XENSTORE_RING_IDX cons = intf->rsp_cons;
    size_t done = 0;
    asm volatile("lfence" ::: "memory");
    while (done < n && cons != intf->rsp_prod)
        ((char *)buf)[done++] = intf->rsp[MASK_XENSTORE_IDX(cons++)];
    asm volatile("mfence" ::: "memory");
    intf->rsp_cons = cons;
    notify_port(port);
    return (long)done;
}

static unsigned xb_poll(struct file *f)
{
    (void)f;
    return (can_read(NULL) ? POLLIN | POLLRDNORM : 0) | (can_write(NULL) ? POLLOUT | POLLWRNORM : 0);
}

static void xb_close(struct file *f, bool keep)
{
    (void)f;
    (void)keep;
    busy = false;
}

const struct file_ops xenbus_fops = {
    .read = xb_read,
    .write = xb_write,
    .poll = xb_poll,
    .close = xb_close,
    .mode = 0020000 | 0600,
    .rdev = (10 << 8) | 64,
};

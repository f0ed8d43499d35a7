/* /dev/xen/evtchn with Linux's ioctls.  An event on a bound port masks it and
 * queues its number; read() returns queued ports (uint32 each), write() unmasks
 * the ports it is given.  Ports outlive a crashed instance: when the program is
 * restarted, its bindings are kept (still bound, events remembered) and a bind
 * ioctl of the next instance naming the same thing — the same VIRQ, the same
 * remote domain and port, or (unbound ports) the same remote domain — gets the
 * kept port back instead of a new one (docs/service-runtime.md). */
#include "rt.h"
#include <linux/ioctl.h>
#include <xen/sys/evtchn.h>

#define O_NONBLOCK 04000
#define QLEN       1024
enum { B_FREE, B_VIRQ, B_INTERDOMAIN, B_UNBOUND };

struct evq {
    bool used;
    uint32_t ring[QLEN];
    unsigned head, tail;
};
struct binding {
    uint8_t kind;
    bool kept_pending;
    struct evq *owner;
    domid_t rdom;
    uint32_t what;
};

static struct evq queues[8];
static struct binding binds[NR_PORTS];

static void push(struct evq *q, evtchn_port_t port)
{
    if (q->tail - q->head < QLEN) q->ring[q->tail++ % QLEN] = port;
}

static void on_event(evtchn_port_t port, void *arg)
{
    (void)arg;
    port_mask(port);
    struct binding *b = &binds[port];
    if (b->owner)
        push(b->owner, port);
    else
        b->kept_pending = true;
}

long evtchn_open(struct file *f)
{
    for (unsigned i = 0; i < ARRAY_SIZE(queues); i++)
        if (!queues[i].used) {
            queues[i].used = true;
            queues[i].head = queues[i].tail = 0;
            f->priv = &queues[i];
            return 0;
        }
    return -EMFILE;
}

/* A kept binding of the previous instance that matches, claimed for q; or -1. */
static long claim_kept(struct evq *q, int kind, domid_t rdom, uint32_t what)
{
    for (evtchn_port_t p = 1; p < NR_PORTS; p++) {
        struct binding *b = &binds[p];
        if (b->kind != kind || b->owner || b->rdom != rdom || (kind != B_UNBOUND && b->what != what))
            continue;
        b->owner = q;
        if (b->kept_pending)
            push(q, p);
        else
            port_unmask(p);
        b->kept_pending = false;
        return p;
    }
    return -1;
}

static long bound(struct evq *q, evtchn_port_t port, int kind, domid_t rdom, uint32_t what)
{
    binds[port] = (struct binding){ .kind = (uint8_t)kind, .owner = q, .rdom = rdom, .what = what };
    port_set_handler(port, on_event, NULL);
    port_unmask(port);
    return port;
}

static long do_bind(struct evq *q, int kind, uint64_t arg)
{
    union {
        struct ioctl_evtchn_bind_virq v;
        struct ioctl_evtchn_bind_interdomain i;
        struct ioctl_evtchn_bind_unbound_port u;
    } a;
    size_t sz = kind == B_VIRQ ? sizeof(a.v) : kind == B_INTERDOMAIN ? sizeof(a.i) : sizeof(a.u);
    if (copy_from_user(&a, arg, sz)) return -EFAULT;
    long rc, kept;
    if (kind == B_VIRQ) {
        if ((kept = claim_kept(q, kind, 0, a.v.virq)) >= 0) return kept;
        struct evtchn_bind_virq op = { .virq = a.v.virq, .vcpu = 0 };
        rc = evtchn_op(EVTCHNOP_bind_virq, &op);
        return rc ? rc : bound(q, op.port, kind, 0, a.v.virq);
    }
    if (kind == B_INTERDOMAIN) {
        if ((kept = claim_kept(q, kind, (domid_t)a.i.remote_domain, a.i.remote_port)) >= 0) return kept;
        struct evtchn_bind_interdomain op = { .remote_dom = (domid_t)a.i.remote_domain,
                                              .remote_port = a.i.remote_port };
        rc = evtchn_op(EVTCHNOP_bind_interdomain, &op);
        return rc ? rc : bound(q, op.local_port, kind, op.remote_dom, op.remote_port);
    }
    if ((kept = claim_kept(q, kind, (domid_t)a.u.remote_domain, 0)) >= 0) return kept;
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = (domid_t)a.u.remote_domain };
    rc = evtchn_op(EVTCHNOP_alloc_unbound, &op);
    return rc ? rc : bound(q, op.port, kind, op.remote_dom, 0);
}

static void unbind(evtchn_port_t port)
{
    struct evtchn_close c = { .port = port };
    port_set_handler(port, NULL, NULL);
    binds[port] = (struct binding){ 0 };
    evtchn_op(EVTCHNOP_close, &c);
}

static long ev_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
    struct evq *q = f->priv;
    uint32_t port;
    switch (cmd) {
    case IOCTL_EVTCHN_BIND_VIRQ:
        return do_bind(q, B_VIRQ, arg);
    case IOCTL_EVTCHN_BIND_INTERDOMAIN:
        return do_bind(q, B_INTERDOMAIN, arg);
    case IOCTL_EVTCHN_BIND_UNBOUND_PORT:
        return do_bind(q, B_UNBOUND, arg);
    case IOCTL_EVTCHN_UNBIND:
    case IOCTL_EVTCHN_NOTIFY:
        if (copy_from_user(&port, arg, 4)) return -EFAULT;
        if (port >= NR_PORTS || binds[port].owner != q) return -ENOTCONN;
        if (cmd == IOCTL_EVTCHN_UNBIND) {
            unbind(port);
            return 0;
        }
        return notify_port(port);
    case IOCTL_EVTCHN_RESET:
        q->head = q->tail = 0;
        return 0;
    case IOCTL_EVTCHN_RESTRICT_DOMID:
        return 0;
    default:
        return -ENOTTY;
    }
}

static bool has_events(void *arg)
{
    struct evq *q = arg;
    return q->tail != q->head;
}

static long ev_read(struct file *f, uint64_t buf, size_t n)
{
    struct evq *q = f->priv;
    n &= ~(size_t)3;
    if (!n) return 0;
    if (!has_events(q)) {
        if (f->flags & O_NONBLOCK) return -EAGAIN;
        wait_until(has_events, q, 0);
    }
    size_t done = 0;
    for (; done < n && q->head != q->tail; done += 4, q->head++)
        memcpy((void *)(buf + done), &q->ring[q->head % QLEN], 4);
    return (long)done;
}

static long ev_write(struct file *f, uint64_t buf, size_t n)
{
    struct evq *q = f->priv;
    n &= ~(size_t)3;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t port;
        memcpy(&port, (const void *)(buf + i), 4);
        if (port < NR_PORTS && binds[port].owner == q) port_unmask(port);
    }
    return (long)n;
}

static unsigned ev_poll(struct file *f)
{
    return POLLOUT | POLLWRNORM | (has_events(f->priv) ? POLLIN | POLLRDNORM : 0);
}

/* keep: the program is being restarted; its ports stay bound for the next one. */
static void ev_close(struct file *f, bool keep)
{
    struct evq *q = f->priv;
    for (evtchn_port_t p = 1; p < NR_PORTS; p++) {
        if (binds[p].owner != q) continue;
        if (!keep) {
            unbind(p);
            continue;
        }
        binds[p].owner = NULL;
        for (unsigned i = q->head; i != q->tail; i++)
            if (q->ring[i % QLEN] == p) binds[p].kept_pending = true;
    }
    q->used = false;
}

const struct file_ops evtchn_fops = {
    .read = ev_read,
    .write = ev_write,
    .ioctl = ev_ioctl,
    .poll = ev_poll,
    .close = ev_close,
    .mode = 0020000 | 0600,
    .rdev = (10 << 8) | 61,
};

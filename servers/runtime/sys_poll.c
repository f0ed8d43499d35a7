/* poll and ppoll over the program's files: each file reports its ready bits
 * (the event-channel device is readable while ports are queued); with nothing
 * ready, the runtime sleeps until an event or the timeout. */
#include "rt.h"

#define MAX_POLL 64
struct pollfd_ {
    int fd;
    short events, revents;
};
struct poll_req {
    struct pollfd_ p[MAX_POLL];
    unsigned n;
    long ready;
};

static bool poll_check(void *arg)
{
    struct poll_req *q = arg;
    q->ready = 0;
    for (unsigned i = 0; i < q->n; i++) {
        struct pollfd_ *p = &q->p[i];
        p->revents = 0;
        if (p->fd < 0) continue;
        struct file *f = fd_get(p->fd);
        unsigned bits = !f ? POLLNVAL : f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
        p->revents = (short)(bits & ((unsigned)p->events | POLLERR | POLLNVAL));
        if (p->revents) q->ready++;
    }
    return q->ready > 0;
}

long sys_poll(uint64_t fds, unsigned nfds, int64_t timeout_ns)
{
    static struct poll_req q;
    if (nfds > MAX_POLL) return -EINVAL;
    q.n = nfds;
    if (copy_from_user(q.p, fds, nfds * sizeof(q.p[0]))) return -EFAULT;
    uint64_t deadline = timeout_ns < 0 ? 0 : now_ns() + (uint64_t)timeout_ns;
    if (timeout_ns == 0)
        poll_check(&q);
    else
        wait_until(poll_check, &q, deadline);
    if (copy_to_user(fds, q.p, nfds * sizeof(q.p[0]))) return -EFAULT;
    return q.ready;
}

long sys_ppoll(uint64_t fds, unsigned nfds, uint64_t tsp)
{
    int64_t t = -1;
    if (tsp) {
        int64_t ts[2];
        if (copy_from_user(ts, tsp, sizeof(ts))) return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000) return -EINVAL;
        t = ts[0] * 1000000000 + ts[1];
    }
    return sys_poll(fds, nfds, t);
}

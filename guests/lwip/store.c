/* The guest's xenstore connection: servers/lib's xenstore client on the
 * start_info ring (store_mfn, store_evtchn), its waits in SCHEDOP_block until
 * the ring's event channel fires; then the domain's name. */
#include "guest.h"

#include <errno.h>
#include <stdlib.h>
#include "xsclient.h"

struct xsc *xs;
static evtchn_port_t xs_port;
static volatile bool xs_fired;

static void xs_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
    xs_fired = true;
}

static void xs_notify(void *ctx)
{
    (void)ctx;
    notify_port(xs_port);
}

static bool fired(void *arg)
{
    (void)arg;
    return xs_fired;
}

static int xs_wait(void *ctx, int timeout_ms)
{
    (void)ctx;
    uint64_t deadline = timeout_ms < 0 ? 0 : now_ns() + (uint64_t)timeout_ms * 1000000UL + 1;
    bool ok = wait_until(fired, NULL, deadline);
    xs_fired = false;
    return ok ? 0 : -ETIMEDOUT;
}

static const struct xsc_ring_ops ops = { xs_notify, xs_wait };

void store_init(void)
{
    uint64_t mfn = start_info->store_mfn;
    uint64_t pfn = mfn ? m2p(mfn) : ~0UL;
    if (!mfn || !start_info->store_evtchn || pfn >= start_info->nr_pages)
        guest_fail("no xenstore ring in start_info (store_mfn %lx, store_evtchn %u)", (unsigned long)mfn,
                   start_info->store_evtchn);
    xs_port = start_info->store_evtchn;
    port_set_handler(xs_port, xs_event, NULL);
    port_unmask(xs_port);
    xs = xsc_new_ring((struct xenstore_domain_interface *)(VIRT_BASE + (pfn << PAGE_SHIFT)), &ops, NULL);
    if (!xs) guest_fail("out of memory for the xenstore client");
    xsc_set_timeout(xs, 10000);
    char path[48], *v = NULL;
    snprintf(path, sizeof(path), "/local/domain/%u/name", self_domid);
    if (!xsc_read(xs, path, &v)) {
        /* shown on the page: printable ASCII only */
        size_t i = 0;
        for (; v[i] && i + 1 < sizeof(self_name); i++)
            self_name[i] =
                v[i] >= 0x20 && v[i] < 0x7f && v[i] != '<' && v[i] != '>' && v[i] != '&' ? v[i] : '?';
        self_name[i] = 0;
        free(v);
    }
}

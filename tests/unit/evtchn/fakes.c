/* The event-channel tests' own fakes on the harness (guest memory: all host
 * memory): domains registered in a small table, a frame pool that can be told to
 * run out, and vcpu_kick counting per vCPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include "evtchn_unit.h"
#include "mm.h"
#include "sched.h"

#define MAX_FAKE_DOMS 16
#define POOL_FRAMES   256

static struct fake_dom *doms[MAX_FAKE_DOMS];
long frames_in_use;
int frame_fail_after = -1;

/* ---- kernel services used by event_channel.c ---- */
void vcpu_kick(struct vcpu *v)
{
    struct fake_dom *fd = container_of(v->domain, struct fake_dom, d);
    __atomic_fetch_add(&fd->kicks[v->id], 1, __ATOMIC_SEQ_CST);
}

/* Frames: a fixed pool; contents are garbage on allocation, as in the core. */
static uint8_t *pool;
static bool used[POOL_FRAMES];
static int pool_lock;

void *mfn_to_virt(mfn_t m)
{
    if (m >= POOL_FRAMES || !used[m]) {
        fprintf(stderr, "mfn_to_virt(%#lx): not an allocated frame\n", m);
        abort();
    }
    return pool + m * PAGE_SIZE;
}

mfn_t frame_alloc(void)
{
    mfn_t r = INVALID_MFN;
    while (__atomic_exchange_n(&pool_lock, 1, __ATOMIC_ACQUIRE))
        ;
    if (!pool) pool = aligned_alloc(PAGE_SIZE, POOL_FRAMES * PAGE_SIZE);
    if (frame_fail_after != 0) {
        if (frame_fail_after > 0) frame_fail_after--;
        for (mfn_t m = 1; m < POOL_FRAMES; m++)
            if (!used[m]) {
                used[m] = true;
                memset(pool + m * PAGE_SIZE, 0xCC, PAGE_SIZE);
                frames_in_use++;
                r = m;
                break;
            }
    }
    __atomic_store_n(&pool_lock, 0, __ATOMIC_RELEASE);
    return r;
}

void frame_free(mfn_t m)
{
    while (__atomic_exchange_n(&pool_lock, 1, __ATOMIC_ACQUIRE))
        ;
    if (m >= POOL_FRAMES || !used[m]) {
        fprintf(stderr, "frame_free(%#lx): double free\n", m);
        abort();
    }
    used[m] = false;
    frames_in_use--;
    __atomic_store_n(&pool_lock, 0, __ATOMIC_RELEASE);
}

/* ---- domains ---- */
struct fake_dom *fake_domain(domid_t id, uint32_t caps, domid_t parent, unsigned nr_vcpus)
{
    struct fake_dom *fd = calloc(1, sizeof(*fd));
    fd->s = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(fd->s, 0, PAGE_SIZE);
    fd->d.id = id;
    fd->d.caps = caps;
    fd->d.parent = parent;
    fd->d.state = DOM_RUNNING;
    fd->d.shared_info = fd->s;
    fd->d.nr_vcpus = nr_vcpus;
    for (unsigned i = 0; i < nr_vcpus; i++) {
        fd->v[i].domain = &fd->d;
        fd->v[i].id = i;
        fd->v[i].vcpu_info = &fd->s->vcpu_info[i];
        fd->v[i].vcpu_info_mfn = INVALID_MFN;
        fd->d.vcpu[i] = &fd->v[i];
    }
    if (evtchn_domain_init(&fd->d) != 0) {
        fprintf(stderr, "evtchn_domain_init failed\n");
        abort();
    }
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (!doms[i]) {
            doms[i] = fd;
            fake_register(&fd->d);
            return fd;
        }
    abort();
}

void fake_as(struct fake_dom *fd, unsigned vcpu) { fake_current = &fd->v[vcpu]; }

void fake_destroy(struct fake_dom *fd)
{
    evtchn_domain_destroy(&fd->d);
    domain_table[fd->d.id] = NULL;
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (doms[i] == fd) doms[i] = NULL;
    free(fd->s);
    free(fd);
}

void fake_reset(void)
{
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (doms[i]) fake_destroy(doms[i]);
    frame_fail_after = -1;
    fake_kernel_reset();
    fake_guest_reset();
    fake_guest_any = true;
}

int total_kicks(void)
{
    int n = 0;
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        for (unsigned v = 0; doms[i] && v < MAX_VCPUS; v++)
            n += doms[i]->kicks[v];
    return n;
}

void clear_kicks(void)
{
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (doms[i]) memset(doms[i]->kicks, 0, sizeof(doms[i]->kicks));
}

/* ---- shared_info inspection ---- */
#define WB (sizeof(xen_ulong_t) * 8)
bool pending(struct fake_dom *fd, unsigned port)
{
    return (fd->s->evtchn_pending[port / WB] >> (port % WB)) & 1;
}
bool masked(struct fake_dom *fd, unsigned port) { return (fd->s->evtchn_mask[port / WB] >> (port % WB)) & 1; }

void set_mask(struct fake_dom *fd, unsigned port, bool on)
{
    xen_ulong_t m = (xen_ulong_t)1 << (port % WB);
    if (on)
        fd->s->evtchn_mask[port / WB] |= m;
    else
        fd->s->evtchn_mask[port / WB] &= ~m;
}

void clear_events(struct fake_dom *fd)
{
    memset(fd->s->evtchn_pending, 0, sizeof(fd->s->evtchn_pending));
    for (unsigned i = 0; i < fd->d.nr_vcpus; i++) {
        fd->v[i].vcpu_info->evtchn_pending_sel = 0;
        fd->v[i].vcpu_info->evtchn_upcall_pending = 0;
    }
    memset(fd->kicks, 0, sizeof(fd->kicks));
}

/* A lock-order bug shows up as a hang: fail instead of stalling the suite. */
static void on_alarm(int sig)
{
    (void)sig;
    unit_failed++;
    printf("FAIL - timed out (deadlock?)\n");
    unit_end();
    fflush(stdout);
    _exit(1);
}

int main(void)
{
    unit_begin();
    fake_reset();
    signal(SIGALRM, on_alarm);
    alarm(120);
    test_basic();
    test_interdomain();
    test_virq_ipi();
    test_control();
    test_limits();
    test_stress();
    fake_reset();
    CHECK_EQ(frames_in_use, 0, "no frame leaked over the whole run");
    return unit_end();
}

/* ---- pirqs (msi.c): domain 1 has mapped pirq 20 ---- */
unsigned fake_pirq_port;
int pirq_bind_port(struct domain *d, unsigned pirq, unsigned port)
{
    if (d->id != 1 || pirq != 20) return -EPERM;
    if (fake_pirq_port) return -EEXIST;
    fake_pirq_port = port;
    return 0;
}
void pirq_unbind_port(struct domain *d, unsigned pirq, unsigned port)
{
    if (d->id == 1 && pirq == 20 && port == fake_pirq_port) fake_pirq_port = 0;
}

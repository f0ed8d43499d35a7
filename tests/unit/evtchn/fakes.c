/* The fake machine the event-channel tests run on: domains registered in a
 * small table, a frame pool that can be told to run out, vcpu_kick counting
 * per vCPU, and guest copies that treat guest addresses as host pointers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <signal.h>
#include <unistd.h>
#include "evtchn_unit.h"
#include "mm.h"
#include "sched.h"
#include "guest_access.h"

#define MAX_FAKE_DOMS 16
#define POOL_FRAMES   256

static struct fake_dom *doms[MAX_FAKE_DOMS];
static __thread struct vcpu *cur;
long frames_in_use;
int frame_fail_after = -1;
int copy_to_fail;
bool debug_log;

/* ---- kernel services used by event_channel.c ---- */
struct vcpu *current_vcpu(void) { return cur; }

struct domain *domain_lookup(domid_t id)
{
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (doms[i] && doms[i]->d.id == id)
            return &doms[i]->d;
    return NULL;
}

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
    if (!pool)
        pool = aligned_alloc(PAGE_SIZE, POOL_FRAMES * PAGE_SIZE);
    if (frame_fail_after != 0) {
        if (frame_fail_after > 0)
            frame_fail_after--;
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

int copy_from_guest(void *dst, uint64_t gva, size_t n)
{
    if (gva < 0x10000 || !guest_range_ok(gva, n))
        return -EFAULT;
    memcpy(dst, (void *)gva, n);
    return 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t n)
{
    if (copy_to_fail || gva < 0x10000 || !guest_range_ok(gva, n))
        return -EFAULT;
    memcpy((void *)gva, src, n);
    return 0;
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (getenv("UNIT_VERBOSE"))
        vfprintf(stderr, fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "PANIC: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
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
            return fd;
        }
    abort();
}

void fake_as(struct fake_dom *fd, unsigned vcpu) { cur = &fd->v[vcpu]; }

void fake_destroy(struct fake_dom *fd)
{
    evtchn_domain_destroy(&fd->d);
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (doms[i] == fd)
            doms[i] = NULL;
    free(fd->s);
    free(fd);
}

void fake_reset(void)
{
    for (unsigned i = 0; i < MAX_FAKE_DOMS; i++)
        if (doms[i])
            fake_destroy(doms[i]);
    frame_fail_after = -1;
    copy_to_fail = 0;
    cur = NULL;
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
        if (doms[i])
            memset(doms[i]->kicks, 0, sizeof(doms[i]->kicks));
}

/* ---- shared_info inspection ---- */
#define WB (sizeof(xen_ulong_t) * 8)
bool pending(struct fake_dom *fd, unsigned port) { return (fd->s->evtchn_pending[port / WB] >> (port % WB)) & 1; }
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

/* ---- reporting ---- */
int unit_passed, unit_failed;

void unit_check(bool ok, const char *name, const char *file, int line)
{
    if (ok) {
        unit_passed++;
        printf("ok - %s\n", name);
    } else {
        unit_failed++;
        printf("FAIL - %s (%s:%d)\n", name, file, line);
    }
}

void unit_check_eq(long got, long want, const char *name, const char *file, int line)
{
    if (got == want) {
        unit_passed++;
        printf("ok - %s\n", name);
    } else {
        unit_failed++;
        printf("FAIL - %s: got %ld, want %ld (%s:%d)\n", name, got, want, file, line);
    }
}

/* A lock-order bug shows up as a hang: fail instead of stalling the suite. */
static void on_alarm(int sig)
{
    (void)sig;
    printf("FAIL - timed out (deadlock?)\n%d passed, %d failed\n", unit_passed, unit_failed + 1);
    fflush(stdout);
    _exit(1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
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
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

/* ---- pirqs (msi.c): domain 1 has mapped pirq 20 ---- */
unsigned fake_pirq_port;
int pirq_bind_port(struct domain *d, unsigned pirq, unsigned port)
{
    if (d->id != 1 || pirq != 20)
        return -EPERM;
    if (fake_pirq_port)
        return -EEXIST;
    fake_pirq_port = port;
    return 0;
}
void pirq_unbind_port(struct domain *d, unsigned pirq, unsigned port)
{
    if (d->id == 1 && pirq == 20 && port == fake_pirq_port)
        fake_pirq_port = 0;
}

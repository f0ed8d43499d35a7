/*
 * state_mem.c: the persistence store of the xenstore service domain. There
 * is no disk: the snapshot and the journal live in pages allocated with
 * /dev/xen/gntalloc (granted to ourselves, so nobody else may map them),
 * which the service runtime keeps, contents intact, across a restart of the
 * program: the new instance's identical ALLOC_GREF calls get the same pages
 * back at the same addresses.
 *
 * With --state-gref the pages are the control domain's (the builder's),
 * granted to us and mapped with /dev/xen/gntdev: they outlive this domain,
 * and a domain rebuilt with our id maps the same grants and recovers
 * everything (servers/lib/xsstate.h; the runtime keeps gntdev mappings
 * across a program restart as it keeps gntalloc pages).
 *
 * Page 0 is a header; the rest is two snapshot slots and the journal. An
 * append copies the bytes first and then publishes the new journal length
 * with one store, a snapshot is written into the idle slot and made current
 * with one store: a crash of the program at any instruction leaves the old
 * state or the new one (replay ignores a torn tail anyway).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>

#include "xsdom.h"
#include "xsstate.h"

#define MAGIC 0x5453584a4f55524eull /* "NRUOJXST" */
#define CHUNK 32                    /* pages per ALLOC_GREF (the runtime's limit) */
#define PG    4096u

struct hdr {
    uint64_t magic;
    uint32_t cur, npages;
    uint64_t snap_len[2];
    uint64_t jlen;
};

struct mstate {
    unsigned n, slot; /* pages; pages per snapshot slot */
    char **pg;
    struct hdr *h;
};

static size_t cap_snap(const struct mstate *m) { return (size_t)m->slot * PG; }
static size_t cap_journal(const struct mstate *m) { return (size_t)(m->n - 1 - 2 * m->slot) * PG; }

/* Copy between a buffer and the region starting at page `first`. */
static void region_io(struct mstate *m, unsigned first, size_t off, void *buf, size_t n, bool wr)
{
    char *b = buf;
    while (n) {
        char *page = m->pg[first + off / PG];
        size_t o = off % PG, k = PG - o < n ? PG - o : n;
        if (wr)
            memcpy(page + o, b, k);
        else
            memcpy(b, page + o, k);
        b += k;
        off += k;
        n -= k;
    }
}

/* n of the master's grants refs[] mapped at *va (n <= 16: the runtime's
 * gntdev limit per mapping). */
static int map_master(const uint32_t *refs, unsigned n, char **va)
{
    union {
        struct ioctl_gntdev_map_grant_ref g;
        char space[sizeof(struct ioctl_gntdev_map_grant_ref) + 16 * sizeof(struct ioctl_gntdev_grant_ref)];
    } u;
    memset(&u, 0, sizeof(u));
    u.g.count = n;
    for (unsigned i = 0; i < n; i++)
        u.g.refs[i] = (struct ioctl_gntdev_grant_ref){ xsdom_opts.master_domid, refs[i] };
    if (ioctl(xsdom_dev.gntdev, IOCTL_GNTDEV_MAP_GRANT_REF, &u.g)) return -errno;
    void *p =
        mmap(NULL, (size_t)n * PG, PROT_READ | PROT_WRITE, MAP_SHARED, xsdom_dev.gntdev, (off_t)u.g.index);
    if (p == MAP_FAILED) return -errno;
    *va = p;
    return 0;
}

/* The master's pages: the first names the others (xsstate.h). */
static int open_master(struct mstate *m)
{
    char *va;
    int rc = map_master(&xsdom_opts.state_gref, 1, &va);
    if (rc) return rc;
    uint32_t n, refs[XSSTATE_MAX_PAGES];
    memcpy(&n, va + XSSTATE_REFS_OFF, 4);
    if (n < 16 || n > XSSTATE_MAX_PAGES) return -EINVAL;
    memcpy(refs, va + XSSTATE_REFS_OFF + 4, n * 4);
    if (refs[0] != xsdom_opts.state_gref) return -EINVAL;
    m->n = n;
    m->pg = calloc(n, sizeof(*m->pg));
    if (!m->pg) abort();
    m->pg[0] = va;
    for (unsigned i = 1; i < n; i += 16) {
        unsigned k = n - i < 16 ? n - i : 16;
        if ((rc = map_master(refs + i, k, &va))) return rc;
        for (unsigned j = 0; j < k; j++)
            m->pg[i + j] = va + (size_t)j * PG;
    }
    return 0;
}

void *xsdom_state_open(unsigned pages, int *err)
{
    unsigned chunks = (pages + CHUNK - 1) / CHUNK;
    struct mstate *m = calloc(1, sizeof(*m));
    if (!m) abort();
    if (xsdom_opts.state_gref) {
        if ((*err = open_master(m))) {
            free(m->pg);
            free(m);
            return NULL;
        }
        chunks = 0; /* nothing of our own */
        xsdom_log("state: in %u pages of domain %u (grant %u on)", m->n, xsdom_opts.master_domid,
                  xsdom_opts.state_gref);
    } else {
        m->n = chunks * CHUNK;
        m->pg = calloc(m->n, sizeof(*m->pg));
    }
    m->slot = (m->n - 1) / 4;
    union {
        struct ioctl_gntalloc_alloc_gref a;
        char space[sizeof(struct ioctl_gntalloc_alloc_gref) + CHUNK * sizeof(uint32_t)];
    } u;
    for (unsigned c = 0; c < chunks; c++) {
        memset(&u, 0, sizeof(u));
        u.a.domid = (uint16_t)xsdom_dev.self;
        u.a.count = CHUNK;
        void *va = MAP_FAILED;
        if (ioctl(xsdom_dev.gntalloc, IOCTL_GNTALLOC_ALLOC_GREF, &u.a) == 0)
            va = mmap(NULL, CHUNK * PG, PROT_READ | PROT_WRITE, MAP_SHARED, xsdom_dev.gntalloc,
                      (off_t)u.a.index);
        if (va == MAP_FAILED) {
            *err = -errno;
            free(m->pg);
            free(m);
            return NULL;
        }
        for (unsigned i = 0; i < CHUNK; i++)
            m->pg[c * CHUNK + i] = (char *)va + (size_t)i * PG;
    }
    m->h = (struct hdr *)m->pg[0];
    if (m->h->magic != MAGIC || m->h->npages != m->n) {
        memset(m->h, 0, sizeof(*m->h));
        m->h->npages = m->n;
        __atomic_store_n(&m->h->magic, MAGIC, __ATOMIC_RELEASE);
        xsdom_log("state: %u preserved pages, empty", m->n);
    } else {
        xsdom_log("state: %u preserved pages, snapshot %llu bytes, journal %llu bytes", m->n,
                  (unsigned long long)m->h->snap_len[m->h->cur], (unsigned long long)m->h->jlen);
    }
    return m;
}

size_t xsdom_state_journal_cap(void *ctx) { return cap_journal(ctx); }

static char *mem_load(void *ctx, bool journal, size_t *len)
{
    struct mstate *m = ctx;
    uint64_t n = journal ? m->h->jlen : m->h->snap_len[m->h->cur];
    if (!n) return NULL;
    char *buf = malloc(n + 1);
    if (!buf) return NULL;
    region_io(m, journal ? 1 + 2 * m->slot : 1 + m->h->cur * m->slot, 0, buf, n, false);
    *len = n;
    return buf;
}

static int mem_append(void *ctx, const void *p, size_t n, bool sync)
{
    (void)sync; /* memory: nothing to flush */
    struct mstate *m = ctx;
    uint64_t at = m->h->jlen;
    if (at + n > cap_journal(m)) return -ENOSPC;
    region_io(m, 1 + 2 * m->slot, at, (void *)p, n, true);
    __atomic_store_n(&m->h->jlen, at + n, __ATOMIC_RELEASE);
    return 0;
}

static int mem_put_snapshot(void *ctx, const void *p, size_t n)
{
    struct mstate *m = ctx;
    if (n > cap_snap(m)) return -ENOSPC;
    uint32_t idle = m->h->cur ^ 1;
    region_io(m, 1 + idle * m->slot, 0, (void *)p, n, true);
    m->h->snap_len[idle] = n;
    __atomic_store_n(&m->h->cur, idle, __ATOMIC_RELEASE);
    return 0;
}

static int mem_truncate(void *ctx)
{
    struct mstate *m = ctx;
    __atomic_store_n(&m->h->jlen, 0, __ATOMIC_RELEASE);
    return 0;
}

static void mem_close(void *ctx)
{
    /* the pages stay: they are the state the next instance starts from */
    struct mstate *m = ctx;
    free(m->pg);
    free(m);
}

const struct xs_state_ops xsdom_state_ops = {
    mem_load, mem_append, mem_put_snapshot, mem_truncate, mem_close,
};

/* IOCTL_GNTDEV_GRANT_COPY: each segment copies between a grant (ref, offset,
 * domid) and the program's buffer, or between two grants; a local buffer that
 * crosses a page boundary is split.  The pieces of many segments go to the
 * hypervisor in one GNTTABOP_copy (a backend copies a whole packet, or
 * several, with one ioctl: a hypercall per piece cost more than the copying).
 * A segment's status is the first failing GNTST_* code among its pieces
 * (GNTST_general_error for a bad local buffer). */
#include "rt.h"
#include <linux/ioctl.h>
#include <xen/sys/gntdev.h>

#define BATCH 64 /* pieces per hypercall; a segment has at most 33 */

static struct gnttab_copy ops[BATCH];
static unsigned nops;
static struct pending {
    uint64_t at; /* the segment in the program's memory */
    unsigned first, n;
    int16_t status;
} segs[BATCH];
static unsigned nsegs;

/* Carry out the batched pieces and write each batched segment's status. */
static long flush(void)
{
    long rc = nops ? HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, nops) : 0;
    for (unsigned i = 0; i < nsegs; i++) {
        struct pending *p = &segs[i];
        for (unsigned k = p->first; k < p->first + p->n && p->status == GNTST_okay; k++)
            p->status = rc ? GNTST_general_error : ops[k].status;
        if (copy_to_user(p->at + offsetof(struct ioctl_gntdev_grant_copy_segment, status), &p->status, 2))
            return -EFAULT;
    }
    nops = nsegs = 0;
    return 0;
}

/* One piece: n bytes from done on, within a page of each local side. */
static int16_t piece(const struct ioctl_gntdev_grant_copy_segment *s, uint16_t done, uint16_t n,
                     struct gnttab_copy *op)
{
    *op = (struct gnttab_copy){ .len = n, .flags = s->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref) };
    struct {
        const void *virt;
        bool gref;
        uint32_t ref;
        uint16_t off, dom;
        struct gnttab_copy_ptr *p;
        bool wr;
    } side[2] = {
        { s->source.virt, s->flags & GNTCOPY_source_gref, s->source.foreign.ref, s->source.foreign.offset,
          s->source.foreign.domid, &op->source, false },
        { s->dest.virt, s->flags & GNTCOPY_dest_gref, s->dest.foreign.ref, s->dest.foreign.offset,
          s->dest.foreign.domid, &op->dest, true },
    };
    for (int i = 0; i < 2; i++) {
        if (side[i].gref) {
            side[i].p->u.ref = side[i].ref;
            side[i].p->domid = side[i].dom;
            side[i].p->offset = (uint16_t)(side[i].off + done);
            continue;
        }
        uint64_t va = (uint64_t)side[i].virt + done, mfn;
        if (!user_ok(va, n, side[i].wr) || !uvm_mfn(va, &mfn)) return GNTST_general_error;
        side[i].p->u.gmfn = mfn;
        side[i].p->domid = DOMID_SELF;
        side[i].p->offset = (uint16_t)(va & (PAGE_SIZE - 1));
    }
    return GNTST_okay;
}

/* Queue a segment's pieces (split where a local buffer crosses a page). */
static long add_segment(const struct ioctl_gntdev_grant_copy_segment *s, uint64_t at)
{
    /* the most pieces it can need: a cut at each page boundary of either side */
    if (nops + 2 * ((unsigned)s->len / PAGE_SIZE + 1) + 1 > BATCH || nsegs == BATCH) {
        long rc = flush();
        if (rc) return rc;
    }
    struct pending *p = &segs[nsegs++];
    *p = (struct pending){ .at = at, .first = nops, .status = GNTST_okay };
    for (uint16_t done = 0; done < s->len;) {
        uint16_t n = (uint16_t)(s->len - done);
        if (!(s->flags & GNTCOPY_source_gref))
            n = (uint16_t)MIN(n, PAGE_SIZE - (((uint64_t)s->source.virt + done) & (PAGE_SIZE - 1)));
        if (!(s->flags & GNTCOPY_dest_gref))
            n = (uint16_t)MIN(n, PAGE_SIZE - (((uint64_t)s->dest.virt + done) & (PAGE_SIZE - 1)));
        int16_t st = piece(s, done, n, &ops[nops]);
        if (st != GNTST_okay) { /* nothing of it is copied */
            p->status = st;
            nops = p->first;
            p->n = 0;
            return 0;
        }
        nops++, p->n++;
        done = (uint16_t)(done + n);
    }
    return 0;
}

long gntdev_grant_copy(uint64_t arg)
{
    struct ioctl_gntdev_grant_copy c;
    if (copy_from_user(&c, arg, sizeof(c))) return -EFAULT;
    uint64_t base = (uint64_t)c.segments;
    nops = nsegs = 0;
    for (unsigned i = 0; i < c.count; i++) {
        struct ioctl_gntdev_grant_copy_segment s;
        uint64_t at = base + i * sizeof(s);
        if (copy_from_user(&s, at, sizeof(s))) return -EFAULT;
        long rc = add_segment(&s, at);
        if (rc) return rc;
    }
    return flush();
}

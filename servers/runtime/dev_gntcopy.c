/* IOCTL_GNTDEV_GRANT_COPY: each segment copies between a grant (ref, offset,
 * domid) and the program's buffer, or between two grants; a local buffer that
 * crosses a page boundary is split.  A segment's status is the first failing
 * GNTST_* code (GNTST_general_error for a bad local buffer). */
#include "rt.h"
#include <linux/ioctl.h>
#include <xen/sys/gntdev.h>

static int16_t copy_chunk(const struct ioctl_gntdev_grant_copy_segment *s, uint16_t done, uint16_t n)
{
    struct gnttab_copy op = { .len = n, .flags = s->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref) };
    struct {
        const void *virt;
        bool gref;
        uint32_t ref;
        uint16_t off, dom;
        struct gnttab_copy_ptr *p;
        bool wr;
    } side[2] = {
        { s->source.virt, s->flags & GNTCOPY_source_gref, s->source.foreign.ref, s->source.foreign.offset,
          s->source.foreign.domid, &op.source, false },
        { s->dest.virt, s->flags & GNTCOPY_dest_gref, s->dest.foreign.ref, s->dest.foreign.offset,
          s->dest.foreign.domid, &op.dest, true },
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
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1);
    return rc ? GNTST_general_error : op.status;
}

/* Split a segment where a local buffer crosses a page. */
static int16_t copy_segment(const struct ioctl_gntdev_grant_copy_segment *s)
{
    for (uint16_t done = 0; done < s->len;) {
        uint16_t n = (uint16_t)(s->len - done);
        if (!(s->flags & GNTCOPY_source_gref))
            n = (uint16_t)MIN(n, PAGE_SIZE - (((uint64_t)s->source.virt + done) & (PAGE_SIZE - 1)));
        if (!(s->flags & GNTCOPY_dest_gref))
            n = (uint16_t)MIN(n, PAGE_SIZE - (((uint64_t)s->dest.virt + done) & (PAGE_SIZE - 1)));
        int16_t st = copy_chunk(s, done, n);
        if (st != GNTST_okay) return st;
        done = (uint16_t)(done + n);
    }
    return GNTST_okay;
}

long gntdev_grant_copy(uint64_t arg)
{
    struct ioctl_gntdev_grant_copy c;
    if (copy_from_user(&c, arg, sizeof(c))) return -EFAULT;
    uint64_t segs = (uint64_t)c.segments;
    for (unsigned i = 0; i < c.count; i++) {
        struct ioctl_gntdev_grant_copy_segment s;
        uint64_t at = segs + i * sizeof(s);
        if (copy_from_user(&s, at, sizeof(s))) return -EFAULT;
        s.status = copy_segment(&s);
        if (copy_to_user(at + offsetof(struct ioctl_gntdev_grant_copy_segment, status), &s.status, 2))
            return -EFAULT;
    }
    return 0;
}

/* Page tables and vCPU state in the save stream's canonical form: machine
 * frame numbers replaced by pseudo-physical ones (a save), and back to the
 * new domain's machine frames (a restore), as Xen's save format has them.
 * Frames are looked up through the p2m (pfn -> mfn) and its inverse, built
 * from the p2m alone: the builder does not trust the guest's M2P entries. */
#ifndef DB_SAVE_CANON_H
#define DB_SAVE_CANON_H

#define __XEN_TOOLS__ 1
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

#define SAVE_NO_FRAME (~0ull)

struct save_m2p {
    uint64_t *mfn, *pfn; /* sorted by mfn */
    size_t n;
};
/* The inverse of p2m[0..n) (entries SAVE_NO_FRAME skipped); -1 if out of
 * memory or an MFN appears twice. */
int save_m2p_build(struct save_m2p *m, const uint64_t *p2m, size_t n);
uint64_t save_m2p_lookup(const struct save_m2p *m, uint64_t mfn); /* SAVE_NO_FRAME if none */
void save_m2p_free(struct save_m2p *m);

/* Every present entry of a page table at `level` (1..4): its frame through
 * map (an MFN -> PFN lookup when saving, PFN -> MFN when restoring).  L4
 * slots 256-271 belong to the hypervisor and are cleared.  -1 and *bad = the
 * index of the first entry whose frame has no translation (nothing changed
 * after it is undefined: the caller drops the page). */
int save_canon_table(uint64_t *t, int level, uint64_t (*map)(void *ctx, uint64_t frame), void *ctx, int *bad);

/* The frames a vCPU context names (CR3, user CR3, GDT frames) through map;
 * vCPU 0's rdx too when it carries the suspend hypercall's start_info frame
 * (with_rdx).  -1 if one has no translation. */
int save_canon_vcpu(struct vcpu_guest_context *c, int with_rdx, uint64_t (*map)(void *ctx, uint64_t frame),
                    void *ctx);

#endif

/* The restore side (see save.h).  The image was checked whole by
 * save_parse before this runs, so what can still fail is the hypervisor's
 * answer (memory, validation of the restored page tables) or a table or vCPU
 * naming a PFN that has no page; either destroys the new domain. */
#include "save/save.h"
#include "save/canon.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <xen/domctl.h>


static uint64_t to_mfn(void *ctx, uint64_t pfn)
{
    const struct restorer *r = ctx;
    return pfn < r->img->dom.nr_pfns ? r->p2m[pfn] : SAVE_NO_FRAME;
}

/* Which PFNs get a frame (those with data in any record), then the frames. */
static int frames(struct restorer *r, const struct build_in *in)
{
    uint64_t n = r->img->dom.nr_pfns, k = 0;
    const uint8_t *pos = NULL;
    const uint64_t *ents;
    const uint8_t *data;
    uint32_t count;
    for (uint64_t i = 0; i < n; i++)
        r->type[i] = XEN_DOMCTL_PFINFO_XTAB;
    while (!save_next_pages(r->img, &pos, &count, &ents, &data))
        for (uint32_t i = 0; i < count; i++)
            r->type[ents[i] & SAVE_PFN_MASK] = save_pfn_type(ents[i]);
    for (uint64_t i = 0; i < n; i++)
        r->p2m[i] = save_type_has_data(r->type[i]) ? i : SAVE_NO_FRAME;
    uint64_t *list = malloc(n * 8);
    if (!list) return db_errf(r->err, r->errlen, "out of memory");
    for (uint64_t i = 0; i < n; i++)
        if (r->p2m[i] != SAVE_NO_FRAME) list[k++] = i;
    int rc = build_restore_create(r->b, in, r->out, list, k, r->err, r->errlen);
    for (uint64_t i = 0, j = 0; !rc && i < n; i++)
        if (r->p2m[i] != SAVE_NO_FRAME) r->p2m[i] = list[j++];
    free(list);
    return rc;
}

/* Every PAGE_DATA record of the image (or of this part of a stream): pages
 * written, tables in machine form.  A PFN has a frame from the first part on
 * or never (a later part cannot give or take one: the guest's p2m changed). */
int restore_pages(struct restorer *r)
{
    const uint8_t *pos = NULL, *data;
    const uint64_t *ents;
    uint32_t count;
    uint64_t mfns[SAVE_BATCH];
    while (!save_next_pages(r->img, &pos, &count, &ents, &data)) {
        size_t n = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint64_t pfn = ents[i] & SAVE_PFN_MASK;
            uint32_t type = save_pfn_type(ents[i]);
            if (save_type_has_data(type) != (r->p2m[pfn] != SAVE_NO_FRAME))
                return db_errf(r->err, r->errlen, "pfn %#llx %s a page after the first part of the stream",
                               (unsigned long long)pfn, save_type_has_data(type) ? "gains" : "loses");
            r->type[pfn] = type;
            if (save_type_has_data(type)) mfns[n++] = r->p2m[pfn];
        }
        if (!n) continue;
        uint8_t *va = r->b->ops->map(r->b, r->out->domid, mfns, n);
        if (!va) return db_errf(r->err, r->errlen, "cannot map the new domain's frames");
        int rc = 0;
        for (uint32_t i = 0, d = 0; !rc && i < count; i++) {
            uint32_t type = save_pfn_type(ents[i]);
            int level = save_type_level(type), bad;
            if (!save_type_has_data(type)) continue;
            uint64_t *page = (uint64_t *)(va + (size_t)d * 4096);
            memcpy(page, data + (size_t)d * 4096, 4096);
            if (level && save_canon_table(page, level, to_mfn, r, &bad)) {
                uint64_t e;
                memcpy(&e, data + (size_t)d * 4096 + (size_t)bad * 8, 8);
                rc = db_errf(r->err, r->errlen,
                             "L%d table at pfn %#llx: entry %d names pfn "
                             "%#llx, which has no page",
                             level, (unsigned long long)(ents[i] & SAVE_PFN_MASK), bad,
                             (unsigned long long)((e & 0x000ffffffffff000ull) >> 12));
            }
            d++;
        }
        r->b->ops->unmap(r->b, va, n);
        if (rc) return -1;
    }
    return 0;
}

/* The guest's own p2m frames get the new machine frames. */
static int guest_p2m(struct restorer *r)
{
    const struct save_image *img = r->img;
    for (size_t f = 0; f < r->nr_p2m_frames; f++) {
        uint64_t mfn = r->p2m[r->p2m_frames[f]];
        if (mfn == SAVE_NO_FRAME) return db_errf(r->err, r->errlen, "p2m frame %zu has no page", f);
        uint64_t *t = r->b->ops->map(r->b, r->out->domid, &mfn, 1);
        if (!t) return db_errf(r->err, r->errlen, "cannot map p2m frame %zu", f);
        /* entries of PFNs without a page keep what the guest had there
         * (Linux's missing and identity markers; its shared "missing" page) */
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t pfn = f * 512 + i;
            if (pfn < img->dom.nr_pfns && r->p2m[pfn] != SAVE_NO_FRAME) t[i] = r->p2m[pfn];
        }
        r->b->ops->unmap(r->b, t, 1);
    }
    return 0;
}

/* start_info: the console and store PFNs the guest left there (Linux's
 * pre-suspend turns them into PFNs) become the new frames, with the new
 * ports and shared info; then the channels and grant entries exist. */
static int start_info(struct restorer *r, const struct build_in *in)
{
    uint64_t mfn = r->p2m[r->img->dom.start_info_pfn];
    db_dominfo info;
    if (mfn == SAVE_NO_FRAME)
        return db_errf(r->err, r->errlen, "the start_info page (pfn %#llx) has no data",
                       (unsigned long long)r->img->dom.start_info_pfn);
    start_info_t *si = r->b->ops->map(r->b, r->out->domid, &mfn, 1);
    if (!si) return db_errf(r->err, r->errlen, "cannot map start_info");
    uint64_t cons = to_mfn(r, si->console.domU.mfn), store = to_mfn(r, si->store_mfn);
    int rc = 0;
    if (cons == SAVE_NO_FRAME || store == SAVE_NO_FRAME || memcmp(si->magic, "xen-3.0-x86_64", 14))
        rc = db_errf(r->err, r->errlen,
                     "start_info at pfn %#llx is not a suspended guest's "
                     "(console pfn %#llx, store pfn %#llx)",
                     (unsigned long long)r->img->dom.start_info_pfn, (unsigned long long)si->console.domU.mfn,
                     (unsigned long long)si->store_mfn);
    if (!rc) {
        r->out->console_mfn = cons;
        r->out->store_mfn = store;
        rc = build_restore_links(r->b, in, r->out, r->err, r->errlen);
    }
    if (!rc && (rc = r->b->ops->getinfo(r->b, r->out->domid, &info)))
        db_errf(r->err, r->errlen, "getdomaininfo failed");
    if (!rc) {
        si->shared_info = info.shared_info_frame << 12;
        si->console.domU.mfn = cons;
        si->console.domU.evtchn = r->out->console_port;
        si->store_mfn = store;
        si->store_evtchn = r->out->store_port;
        si->nr_pages = r->img->dom.nr_pfns;
    }
    r->b->ops->unmap(r->b, si, 1);
    return rc ? -1 : 0;
}

/* Pinned tables, lowest level first; then each vCPU's state. */
static int pins_and_vcpus(struct restorer *r)
{
    static struct vcpu_guest_context c;
    for (int level = 1; level <= 4; level++)
        for (uint64_t i = 0; i < r->img->dom.nr_pfns; i++) {
            uint32_t t = r->type[i];
            if (!(t & XEN_DOMCTL_PFINFO_LPINTAB) || save_type_level(t) != level) continue;
            int rc = r->b->ops->pin(r->b, r->out->domid, level, r->p2m[i]);
            if (rc)
                return db_errf(r->err, r->errlen,
                               "pinning the L%d table at pfn %#llx: %s "
                               "(the hypervisor refused the restored page table)",
                               level, (unsigned long long)i, strerror(-rc));
        }
    for (uint32_t v = 0; v < r->img->dom.vcpus; v++) {
        memcpy(&c, r->img->vcpu[v].body + 8, sizeof(c));
        if (!c.ctrlreg[3]) continue; /* never had a context */
        if (save_canon_vcpu(&c, v == 0, to_mfn, r))
            return db_errf(r->err, r->errlen, "vCPU %u names a pfn that has no page", v);
        int rc = r->b->ops->setvcpucontext(r->b, r->out->domid, v, &c);
        if (rc)
            return db_errf(r->err, r->errlen, "vCPU %u state refused by the hypervisor: %s", v,
                           strerror(-rc));
    }
    return 0;
}

int restore_begin(struct restorer *r, struct backend *b, const struct save_image *img,
                  const struct build_in *in, struct build_out *out, char *err, size_t errlen)
{
    size_t nf = img->nr_p2m_frames;
    *r = (struct restorer){
        b,  img, in,    out, malloc(img->dom.nr_pfns * 8), malloc(img->dom.nr_pfns * 4), malloc(nf * 8),
        nf, err, errlen
    };
    int rc = r->p2m && r->type && r->p2m_frames ? 0 : db_errf(err, errlen, "out of memory");
    if (!rc) memcpy(r->p2m_frames, img->p2m_frames, nf * 8); /* a stream's first part may go */
    if (!rc && in->cfg->vcpus != img->dom.vcpus)
        rc = db_errf(err, errlen, "the config has %u vCPUs, the image %u", in->cfg->vcpus, img->dom.vcpus);
    if (!rc && !(rc = frames(r, in)) && (rc = restore_pages(r))) b->ops->destroy(b, out->domid);
    if (rc) restore_end(r, 0);
    return rc;
}

int restore_finish(struct restorer *r)
{
    int rc = guest_p2m(r) || start_info(r, r->in) || pins_and_vcpus(r) ? -1 : 0;
    restore_end(r, rc);
    return rc;
}

void restore_end(struct restorer *r, int destroy)
{
    if (destroy) r->b->ops->destroy(r->b, r->out->domid);
    free(r->p2m);
    free(r->type);
    free(r->p2m_frames);
    r->p2m = r->p2m_frames = NULL;
    r->type = NULL;
}

int restore_domain(struct backend *b, const struct save_image *img, const struct build_in *in,
                   struct build_out *out, char *err, size_t errlen)
{
    struct restorer r;
    return restore_begin(&r, b, img, in, out, err, errlen) ? -1 : restore_finish(&r);
}

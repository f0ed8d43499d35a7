/* The save side (see save.h).  Like Xen's saver for a PV guest: the p2m
 * comes from the guest (shared_info.arch -> frame-list list -> frame lists ->
 * p2m frames), every frame it names must be the domain's (the hypervisor's
 * page types say XTAB otherwise, and such a PFN is saved without data),
 * page tables are written with PFNs instead of MFNs, and vCPU 0's rdx -- the
 * suspend hypercall's start_info frame -- as a PFN too. */
#include "save/save.h"
#include "save/canon.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/domctl.h>
#include <xen/sched.h>

#define CHUNK        256u           /* pages mapped at a time */
#define P2M_VALID(m) (!((m) >> 52)) /* Linux marks missing/foreign/identity entries above */

/* n frames read through a read-only mapping into dst (n * 4096 bytes). */
static int read_frames(struct saver *s, const uint64_t *mfns, size_t n, void *dst)
{
    for (size_t done = 0; done < n;) {
        size_t k = n - done < CHUNK ? n - done : CHUNK;
        void *va = s->b->ops->map_ro(s->b, s->domid, mfns + done, k);
        if (!va)
            return db_errf(s->err, s->errlen, "cannot map frames of domain %u (mfn %#llx...)", s->domid,
                           (unsigned long long)mfns[done]);
        memcpy((uint8_t *)dst + done * 4096, va, k * 4096);
        s->b->ops->unmap(s->b, va, k);
        done += k;
    }
    return 0;
}

/* The MFNs of the p2m's pages through the frame-list list (the older
 * interface): fll -> frame lists -> p2m frames. */
static int p2m_frames_fll(struct saver *s, uint64_t fll, uint64_t *frames, size_t nframes)
{
    size_t nlists = (nframes + 511) / 512;
    uint64_t *lists = malloc(512 * 8), *all = malloc(nlists * 4096);
    int rc = lists && all ? read_frames(s, &fll, 1, lists) : db_errf(s->err, s->errlen, "out of memory");
    for (size_t i = 0; !rc && i < nlists; i++)
        if (!P2M_VALID(lists[i]))
            rc = db_errf(s->err, s->errlen, "p2m frame list %zu at bad mfn %#llx", i,
                         (unsigned long long)lists[i]);
    if (!rc) rc = read_frames(s, lists, nlists, all);
    if (!rc) memcpy(frames, all, nframes * 8);
    free(lists);
    free(all);
    return rc;
}

/* Linux given SIF_VIRT_P2M_4TOOLS publishes no frame lists: its p2m is a
 * virtual array at p2m_vaddr in the page tables rooted at p2m_cr3, walked
 * here as Xen's saver walks it (each level's last table kept). */
static int p2m_frames_virtual(struct saver *s, uint64_t cr3, uint64_t vaddr, uint64_t *frames, size_t nframes)
{
    static uint64_t table[4][512];
    uint64_t held[4] = { ~0ull, ~0ull, ~0ull, ~0ull };
    if (vaddr & 4095)
        return db_errf(s->err, s->errlen, "p2m at unaligned address %#llx", (unsigned long long)vaddr);
    for (size_t i = 0; i < nframes; i++) {
        uint64_t va = vaddr + i * 4096, mfn = xen_cr3_to_pfn(cr3);
        for (int l = 3; l >= 0; l--) {
            if (held[l] != mfn && read_frames(s, &mfn, 1, table[l])) return -1;
            held[l] = mfn;
            uint64_t e = table[l][(va >> (12 + 9 * l)) & 511];
            if (!(e & 1) || (l && (e & 0x80)))
                return db_errf(s->err, s->errlen, "p2m page %zu (va %#llx) not mapped at level %d", i,
                               (unsigned long long)va, l + 1);
            mfn = (e & 0x000ffffffffff000ull) >> 12;
        }
        frames[i] = mfn;
    }
    return 0;
}

/* The guest's p2m, as shared_info.arch describes it. */
static int read_p2m(struct saver *s, uint64_t shinfo_mfn)
{
    static union {
        struct shared_info si;
        uint8_t page[4096];
    } u;
    if (read_frames(s, &shinfo_mfn, 1, u.page)) return -1;
    s->nr_pfns = u.si.arch.max_pfn;
    uint64_t fll = u.si.arch.pfn_to_mfn_frame_list_list, cr3 = u.si.arch.p2m_cr3;
    if (!s->nr_pfns || s->nr_pfns > SAVE_MAX_PFNS || (!cr3 && !fll))
        return db_errf(s->err, s->errlen,
                       "domain %u has no usable p2m (max_pfn %llu, "
                       "frame-list list %#llx, p2m_cr3 %#llx): it never published it",
                       s->domid, (unsigned long long)s->nr_pfns, (unsigned long long)fll,
                       (unsigned long long)cr3);
    size_t nframes = s->nr_p2m_frames = (size_t)((s->nr_pfns + 511) / 512);
    uint64_t *frames = s->p2m_frames = malloc(nframes * 8);
    s->p2m = malloc(nframes * 4096);
    s->types = malloc(s->nr_pfns * 8);
    int rc = frames && s->p2m && s->types
                 ? 0
                 : db_errf(s->err, s->errlen, "out of memory for a p2m of %llu pages",
                           (unsigned long long)s->nr_pfns);
    if (!rc)
        rc = cr3 ? p2m_frames_virtual(s, cr3, u.si.arch.p2m_vaddr, frames, nframes)
                 : p2m_frames_fll(s, fll, frames, nframes);
    for (size_t i = 0; !rc && i < nframes; i++)
        if (!P2M_VALID(frames[i]))
            rc = db_errf(s->err, s->errlen, "p2m frame %zu at bad mfn %#llx", i,
                         (unsigned long long)frames[i]);
    if (!rc) rc = read_frames(s, frames, nframes, s->p2m);
    return rc;
}

/* Page types from the hypervisor; PFNs without a frame of the domain are
 * XTAB.  p2m_frames become PFNs. */
static int classify(struct saver *s)
{
    uint64_t *p2m_frames = s->p2m_frames;
    size_t nframes = s->nr_p2m_frames;
    for (uint64_t i = 0; i < s->nr_pfns; i++)
        s->types[i] = P2M_VALID(s->p2m[i]) ? s->p2m[i] : ~0ull;
    int rc = s->b->ops->frame_types(s->b, s->domid, s->types, s->nr_pfns);
    if (rc) return db_errf(s->err, s->errlen, "page types of domain %u: %s", s->domid, strerror(-rc));
    for (uint64_t i = 0; i < s->nr_pfns; i++)
        if (s->types[i] == XEN_DOMCTL_PFINFO_XTAB || !P2M_VALID(s->p2m[i])) s->p2m[i] = SAVE_NO_FRAME;
    if (save_m2p_build(&s->m2p, s->p2m, s->nr_pfns))
        return db_errf(s->err, s->errlen, "the p2m of domain %u names a frame twice", s->domid);
    for (size_t i = 0; i < nframes; i++)
        if ((p2m_frames[i] = save_m2p_lookup(&s->m2p, p2m_frames[i])) == SAVE_NO_FRAME)
            return db_errf(s->err, s->errlen, "p2m frame %zu is not a page of domain %u", i, s->domid);
    return 0;
}

int saver_open(struct saver *s, uint64_t shinfo_mfn)
{
    return read_p2m(s, shinfo_mfn) || classify(s) ? -1 : 0;
}

void saver_close(struct saver *s)
{
    free(s->p2m);
    free(s->types);
    free(s->p2m_frames);
    save_m2p_free(&s->m2p);
}

static uint64_t to_pfn(void *ctx, uint64_t mfn) { return save_m2p_lookup(&((struct saver *)ctx)->m2p, mfn); }

int saver_vcpus(struct saver *s, struct save_buf *w, uint32_t n, uint64_t *start_info_pfn)
{
    static struct vcpu_guest_context c;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t hdr[2] = { v, 0 };
        int rc = s->b->ops->getvcpucontext(s->b, s->domid, v, &c);
        if (rc == -ENODATA)
            memset(&c, 0, sizeof(c)); /* never had a context: restored as such */
        else if (rc)
            return db_errf(s->err, s->errlen, "vCPU %u state: %s", v, strerror(-rc));
        else if (save_canon_vcpu(&c, v == 0, to_pfn, s))
            return db_errf(s->err, s->errlen,
                           "vCPU %u names a frame that is not the domain's "
                           "(CR3 %#llx, start_info %#llx)",
                           v, (unsigned long long)c.ctrlreg[3], (unsigned long long)c.user_regs.rdx);
        if (v == 0) *start_info_pfn = c.user_regs.rdx;
        struct save_piece pc[] = { { hdr, sizeof(hdr) }, { &c, sizeof(c) } };
        save_record(w, SREC_VCPU, pc, 2);
    }
    return 0;
}

/* PFNs pfn[0..k): the data of those with a frame, tables canonical. */
static int page_batch(struct saver *s, struct save_buf *w, const uint64_t *pfn, uint32_t k, uint64_t *ents,
                      uint64_t *mfns, uint8_t *data, uint8_t *defer)
{
    size_t n = 0;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t type = (uint32_t)s->types[pfn[i]];
        ents[i] = pfn[i] | (uint64_t)type << SAVE_TYPE_SHIFT;
        if (save_type_has_data(type)) mfns[n++] = s->p2m[pfn[i]];
    }
    if (n && read_frames(s, mfns, n, data)) return -1;
    for (uint32_t i = 0, d = 0; i < k; i++) {
        uint32_t type = save_pfn_type(ents[i]);
        int level = save_type_level(type), bad;
        if (!save_type_has_data(type)) continue;
        if (level && save_canon_table((uint64_t *)(data + (size_t)d * 4096), level, to_pfn, s, &bad)) {
            if (!defer)
                return db_errf(s->err, s->errlen,
                               "L%d table at pfn %#llx: entry %d maps a frame "
                               "that is not the domain's",
                               level, (unsigned long long)pfn[i], bad);
            /* live: the guest is changing it; a plain page now, the table later */
            ents[i] = pfn[i] | (uint64_t)XEN_DOMCTL_PFINFO_NOTAB << SAVE_TYPE_SHIFT;
            defer[pfn[i] / 8] |= (uint8_t)(1u << (pfn[i] % 8));
        }
        d++;
    }
    uint32_t hdr[2] = { k, 0 };
    struct save_piece pc[] = { { hdr, 8 }, { ents, (size_t)k * 8 }, { data, n * 4096 } };
    save_record(w, SREC_PAGE_DATA, pc, 3);
    return 0;
}

int saver_pages(struct saver *s, struct save_buf *w, const uint64_t *pfns, size_t n, uint8_t *defer)
{
    uint64_t *ents = malloc(SAVE_BATCH * 8), *mfns = malloc(SAVE_BATCH * 8);
    uint8_t *data = malloc((size_t)SAVE_BATCH * 4096);
    int rc = ents && mfns && data ? 0 : db_errf(s->err, s->errlen, "out of memory");
    for (size_t first = 0; !rc && first < n; first += SAVE_BATCH) {
        uint32_t k = (uint32_t)(n - first < SAVE_BATCH ? n - first : SAVE_BATCH);
        rc = page_batch(s, w, pfns + first, k, ents, mfns, data, defer);
    }
    free(ents);
    free(mfns);
    free(data);
    return rc;
}

size_t saver_head(struct saver *s, struct save_buf *w, const struct save_domain *dom, const char *cfg,
                  size_t cfg_len)
{
    save_begin(w, (size_t)s->nr_pfns * 4104 + (size_t)dom->vcpus * 8192 + SAVE_CFG_MAX);
    struct save_piece d = { dom, sizeof(*dom) }, c = { cfg, cfg_len },
                      f = { s->p2m_frames, s->nr_p2m_frames * 8 };
    size_t dom_at = w->len;
    save_record(w, SREC_DOMAIN, &d, 1);
    save_record(w, SREC_CONFIG, &c, 1);
    save_record(w, SREC_P2M_FRAMES, &f, 1);
    return dom_at;
}

int save_domain(struct backend *b, uint32_t domid, const char *cfg, size_t cfg_len, struct save_buf *w,
                char *err, size_t errlen)
{
    struct saver s = { .b = b, .domid = domid, .err = err, .errlen = errlen };
    db_dominfo info;
    int rc = b->ops->getinfo(b, domid, &info);
    if (rc || info.domain != domid) return db_errf(err, errlen, "no domain %u", domid);
    if (!(info.flags & XEN_DOMINF_shutdown) ||
        (info.flags >> XEN_DOMINF_shutdownshift & XEN_DOMINF_shutdownmask) != SHUTDOWN_suspend)
        return db_errf(err, errlen, "domain %u has not suspended", domid);
    if ((rc = b->ops->pause(b, domid))) /* waits until it is off every CPU */
        return db_errf(err, errlen, "pause of domain %u: %s", domid, strerror(-rc));
    struct save_domain dom = { info.max_vcpu_id + 1u, 0, 0, 0 };
    uint64_t *all = NULL;
    if (!(rc = saver_open(&s, info.shared_info_frame))) {
        dom.nr_pfns = s.nr_pfns;
        size_t dom_at = saver_head(&s, w, &dom, cfg, cfg_len);
        rc = saver_vcpus(&s, w, dom.vcpus, &dom.start_info_pfn);
        if (!rc && dom.start_info_pfn >= s.nr_pfns)
            rc = db_errf(err, errlen, "vCPU 0's start_info frame is not in the p2m");
        if (!rc && !w->failed) { /* the DOMAIN record again, now with start_info */
            size_t end = w->len;
            struct save_piece d = { &dom, sizeof(dom) };
            w->len = dom_at;
            save_record(w, SREC_DOMAIN, &d, 1);
            w->len = end;
        }
        if (!rc && !(all = malloc(s.nr_pfns * 8))) rc = db_errf(err, errlen, "out of memory");
        for (uint64_t i = 0; !rc && i < s.nr_pfns; i++)
            all[i] = i;
        if (!rc) rc = saver_pages(&s, w, all, s.nr_pfns, NULL);
        if (!rc) save_record(w, SREC_END, NULL, 0);
        if (!rc && w->failed) rc = db_errf(err, errlen, "out of memory for the save image");
        if (rc) save_free(w);
    }
    free(all);
    saver_close(&s);
    return rc;
}

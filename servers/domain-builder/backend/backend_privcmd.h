/* Internal to backend_privcmd*.c: the open device files and the window of
 * addresses foreign frames are mapped into. */
#ifndef DB_BACKEND_PRIVCMD_H
#define DB_BACKEND_PRIVCMD_H

#include "backend/backend.h"

#define PC_WINDOW_PAGES 16384 /* 64 MiB of addresses for build mappings */
#define PC_RO_PAGES     1024  /* 4 MiB, mapped read-only: a save's view */
#define PC_MAX_GRANTS   1088  /* console rings mapped: one per domain (mgr.h MGR_MAX_DOMS) and a few more */

struct pc {
    int privcmd, evtchn, gntdev, gntalloc;
    uint8_t *window, *ro_window;
    uint8_t used[PC_WINDOW_PAGES], ro_used[PC_RO_PAGES];
    struct {
        void *va;
        uint64_t index;
    } grants[PC_MAX_GRANTS];
};

struct pc *pc_of(struct backend *b);
long pc_hypercall(struct backend *b, unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                  uint64_t a4);
int pc_domctl(struct backend *b, struct xen_domctl *d);

void *pc_map(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n);
void *pc_map_ro(struct backend *b, uint32_t domid, const uint64_t *mfns, size_t n);
int pc_unmap(struct backend *b, void *va, size_t n);
int pc_bind_interdomain(struct backend *b, uint32_t domid, uint32_t rport, uint32_t *lport);
int pc_bind_virq(struct backend *b, uint32_t virq, uint32_t *lport);
int pc_unbind(struct backend *b, uint32_t lport);
int pc_notify(struct backend *b, uint32_t lport);
int pc_pending(struct backend *b, uint32_t *lport);
int pc_event_fd(struct backend *b);
int pc_bind_unbound(struct backend *b, uint32_t remote, uint32_t *lport);
void *pc_grant_page(struct backend *b, uint32_t domid, uint32_t *gref);
void *pc_grant_pages(struct backend *b, uint32_t domid, uint32_t n, uint32_t *grefs);
void *pc_map_grant(struct backend *b, uint32_t domid, uint32_t ref);
int pc_unmap_grant(struct backend *b, void *va);

#endif

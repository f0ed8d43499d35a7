/* Internal to backend_fake*.c. */
#ifndef DB_BACKEND_FAKE_INT_H
#define DB_BACKEND_FAKE_INT_H

#include "backend/backend_fake.h"

struct fake_dom *fake_child(struct backend *b, uint32_t domid);
uint64_t fake_alloc(struct fake *f, uint32_t owner);
void fake_track_map(struct fake *f, void *va, size_t n, uint32_t domid, const uint64_t *mfns);
int fake_untrack_map(struct fake *f, void *va, size_t n);
void fake_free_maps(struct fake *f);
void fake_close_ports(struct backend *b, uint32_t domid);

int fake_getinfo(struct backend *b, uint32_t domid, db_dominfo *out);
int fake_pin_l4(struct backend *b, uint32_t domid, uint64_t mfn);
int fake_pin(struct backend *b, uint32_t domid, int level, uint64_t mfn);
int fake_frame_types(struct backend *b, uint32_t domid, uint64_t *mfns, size_t n);
int fake_grant_frame(struct backend *b, uint32_t domid, uint64_t *mfn);
void *fake_map_grant(struct backend *b, uint32_t domid, uint32_t ref);
int fake_unmap_grant(struct backend *b, void *va);
int fake_alloc_unbound(struct backend *b, uint32_t domid, uint32_t remote, uint32_t *port);
int fake_bind_interdomain(struct backend *b, uint32_t domid, uint32_t rport, uint32_t *lport);
int fake_bind_virq(struct backend *b, uint32_t virq, uint32_t *lport);
int fake_unbind(struct backend *b, uint32_t lport);
int fake_notify(struct backend *b, uint32_t lport);
int fake_pending(struct backend *b, uint32_t *lport);
int fake_event_fd(struct backend *b);
int fake_bind_unbound(struct backend *b, uint32_t remote, uint32_t *lport);
void *fake_grant_page(struct backend *b, uint32_t domid, uint32_t *gref);
void *fake_grant_pages(struct backend *b, uint32_t domid, unsigned n, uint32_t *grefs);

#endif

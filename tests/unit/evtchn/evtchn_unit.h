/* Host unit tests of event channels on the harness (tests/unit/harness) with fakes
 * of their own: domains with malloc'ed shared_info, a frame pool with failure
 * injection, a vcpu_kick recorder. */
#ifndef EVTCHN_UNIT_H
#define EVTCHN_UNIT_H

#include "fake.h"
#include "event.h"

/* A fake domain: struct domain plus its vCPUs, shared_info and kick counts. */
struct fake_dom {
    struct domain d;
    struct vcpu v[MAX_VCPUS];
    struct shared_info *s;
    int kicks[MAX_VCPUS];
};

#define BAD_PTR 0x1000UL /* copies to/from it fault */

/* Forget every domain (the caller destroyed their event state) and counters. */
void fake_reset(void);
/* A domain with event state initialised (evtchn_domain_init must succeed). */
struct fake_dom *fake_domain(domid_t id, uint32_t caps, domid_t parent, unsigned nr_vcpus);
/* Run as vCPU `vcpu` of fd (sets `current`, per thread). */
void fake_as(struct fake_dom *fd, unsigned vcpu);
/* Tear down fd's event state and unregister it. */
void fake_destroy(struct fake_dom *fd);

extern long frames_in_use;   /* frame_alloc minus frame_free */
extern int frame_fail_after; /* frame_alloc fails after this many more (-1: never) */
int total_kicks(void);
void clear_kicks(void);

/* shared_info / vcpu_info inspection */
bool pending(struct fake_dom *fd, unsigned port);
bool masked(struct fake_dom *fd, unsigned port);
void set_mask(struct fake_dom *fd, unsigned port, bool on);
void clear_events(struct fake_dom *fd); /* pending bits, sel words, upcall_pending, kicks */

/* EVTCHNOP_* as the current vCPU: the new port (>= 0) or the error (< 0). */
long op(unsigned cmd, void *arg);
long ev_alloc(domid_t dom, domid_t remote);
long ev_bind(domid_t rdom, uint32_t rport);
long ev_virq(uint32_t virq, uint32_t vcpu);
long ev_ipi(uint32_t vcpu);
long ev_close(uint32_t port);
long ev_send(uint32_t port);
long ev_unmask(uint32_t port);
long ev_bind_vcpu(uint32_t port, uint32_t vcpu);
long ev_status(domid_t dom, uint32_t port, struct evtchn_status *st);
long ev_reset(domid_t dom);
uint32_t st_of(domid_t dom, uint32_t port); /* EVTCHNSTAT_*, 99 on error */

void test_basic(void);
void test_interdomain(void);
void test_virq_ipi(void);
void test_control(void);
void test_limits(void);
void test_stress(void);

extern unsigned fake_pirq_port; /* port bound to dom1's pirq 20 (0: none) */

#endif

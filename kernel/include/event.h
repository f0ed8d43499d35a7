/* Event channels (2-level ABI): the core's interface to event_channel.c. */
#ifndef TESSERA_EVENT_H
#define TESSERA_EVENT_H

#include "types.h"
#include <xen/event_channel.h>

struct domain;
struct vcpu;

#define EVTCHN_2L_NR_PORTS 4096

/* Per-domain state (struct evtchn_domain is private to event_channel.c). */
int evtchn_domain_init(struct domain *d);
/* createdomain's max_evtchn_port: ports above it are never handed out (-ENOSPC). */
void evtchn_set_max_port(struct domain *d, unsigned max_port);
/* Close every port of d; an interdomain peer's port reverts to ECS_UNBOUND (as
 * in Xen), never left pointing at a dead domain. */
void evtchn_domain_destroy(struct domain *d);

/* Raise a per-vCPU VIRQ (TIMER, DEBUG ...) / a global VIRQ (bound on vCPU 0). */
void send_guest_vcpu_virq(struct vcpu *v, unsigned virq);
void send_guest_global_virq(struct domain *d, unsigned virq);
/* Is port pending in d's shared_info (SCHEDOP_poll)?  false for invalid ports. */
bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port);
/* Valid, allocated port of d (SCHEDOP_poll argument check). */
bool evtchn_port_valid(struct domain *d, evtchn_port_t port);
/* Hypervisor-side notify on a port of d (e.g. a console the core serves). */
int evtchn_send_from(struct domain *d, evtchn_port_t port);

long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5);

#endif

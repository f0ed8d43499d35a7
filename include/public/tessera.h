/* Tessera's extensions to the Xen ABI: the capability model and the domctl
 * sub-ops that carry it.  Everything else a guest or the domain builder uses is
 * Xen's own (<xen/domctl.h> etc.); this header only adds what Xen has no
 * number for.  Numbers here are chosen from ranges Xen leaves free and never
 * reuse one of Xen's.  Usable by the core, by guests and by host programs:
 * it needs only <stdint.h>.  See docs/capabilities.md. */
#ifndef TESSERA_PUBLIC_TESSERA_H
#define TESSERA_PUBLIC_TESSERA_H

#include <stdint.h>

/* ---- capabilities ----
 * A domain's capability set is fixed before it first runs and is never larger
 * than its creator's.  The first domain holds all of them; a guest none. */
#define TESSERA_CAP_BUILD                                                                                    \
    (1u << 0)                          /* domctl; foreign MMU ops and memory_op on
                                           domains it created */
#define TESSERA_CAP_IO       (1u << 1) /* I/O ports, MMIO, IRQs; cache attributes in PTEs */
#define TESSERA_CAP_XENSTORE (1u << 2) /* receives domain introduce/release notices */
#define TESSERA_CAP_CONSOLE  (1u << 3) /* console_io writes to the hypervisor console */
#define TESSERA_CAP_SCHED    (1u << 4) /* scheduler_op putinfo (weights, caps) */
#define TESSERA_CAP_ALL      0x1fu

/* ---- domctl sub-ops ----
 * Xen numbers its domctls 1..86 and 1000..1003 (gdbsx); Tessera's live in the
 * block 0x5400.. ('T' << 8), which Xen does not use.  They travel in an ordinary
 * struct xen_domctl (same interface_version, same `domain` field); the payload
 * sits at the start of its union `u` (offset 16), see tessera_domctl_u(). */
#define TESSERA_DOMCTL_BASE 0x5400u
/* Set the capability set of a domain the caller created and that has not run
 * yet.  IN: u = struct tessera_domctl_caps.  -EPERM if a bit is not held by the
 * caller or the domain has run; -EINVAL for unknown bits. */
#define TESSERA_DOMCTL_set_capabilities (TESSERA_DOMCTL_BASE + 0)
/* Read the capability set of a domain the caller created, or of the caller
 * itself (domain = DOMID_SELF or its own id; allowed without CAP_BUILD).
 * OUT: u = struct tessera_domctl_caps. */
#define TESSERA_DOMCTL_get_capabilities (TESSERA_DOMCTL_BASE + 1)

struct tessera_domctl_caps {
    uint32_t caps; /* TESSERA_CAP_* */
    uint32_t pad;  /* must be 0 */
};

/* ---- sysctl sub-ops (same block) ----
 * Audit the frame table, a diagnostic for tests (CAP_BUILD): every frame is
 * free, the hypervisor's, or owned by a live domain as its flags and counts
 * say; the free frames add up; each domain's frame list matches tot_pages; no
 * frame holds fewer references than the pins, CR3s and validated page-table
 * entries of the domains not running on another pCPU.  The first
 * inconsistencies are also logged.  OUT: u = struct tessera_sysctl_audit. */
#define TESSERA_SYSCTL_audit_frames (TESSERA_DOMCTL_BASE + 0)

struct tessera_sysctl_audit {
    uint32_t errors;                    /* inconsistencies found */
    uint32_t domains;                   /* domains whose references were recounted */
    uint64_t first_mfn;                 /* frame of the first inconsistency */
    uint64_t frames_free, frames_owned; /* free frames; frames allocated to domains */
};

/* Offset of the union `u` inside struct xen_sysctl (cmd, interface_version). */
#define TESSERA_SYSCTL_U_OFFSET            8
#define tessera_sysctl_u(sysctl_ptr, type) ((type *)((char *)(sysctl_ptr) + TESSERA_SYSCTL_U_OFFSET))

/* Offset of the union `u` inside struct xen_domctl (cmd, interface_version,
 * domain, 3 x uint16_t padding). */
#define TESSERA_DOMCTL_U_OFFSET            16
#define tessera_domctl_u(domctl_ptr, type) ((type *)((char *)(domctl_ptr) + TESSERA_DOMCTL_U_OFFSET))

#endif

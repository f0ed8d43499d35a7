/* sysctl: host-wide information for domains holding CAP_BUILD (`xl info`, `xl dmesg`,
 * and the tests' check that destroying a domain returns every frame). */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "mm.h"
#include "time.h"
#include "apic.h"
#include "console.h"
#include "public/tessera.h"
#include <xen/sysctl.h>

long audit_frames(struct tessera_sysctl_audit *out);

/* Frames of RAM domains can have (owned or free), counted once: a constant, as
 * Xen's total_pages, and not a walk of the frame table on every create (the
 * builder asks before each: 2.7 ms of TCG time at 256 MiB, more with more RAM). */
static uint64_t ram_frames(void)
{
    static uint64_t total;
    uint64_t n = __atomic_load_n(&total, __ATOMIC_RELAXED);
    if (!n) { /* the first callers: each counts, any count will do */
        for (mfn_t m = 0; m < max_mfn; m++)
            n += mfn_to_page(m)->owner != DOMID_NONE || (mfn_to_page(m)->flags & PGF_free);
        __atomic_store_n(&total, n, __ATOMIC_RELAXED);
    }
    return n;
}

long do_sysctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct xen_sysctl op;
    if (copy_from_guest(&op, arg, sizeof(op))) return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION) return -EACCES;
    if (!has_cap(current->domain, CAP_BUILD)) return -EPERM;
    switch (op.cmd) {
    case XEN_SYSCTL_physinfo: {
        struct xen_sysctl_physinfo *pi = &op.u.physinfo;
        memset(pi, 0, sizeof(*pi));
        pi->threads_per_core = 1;
        pi->cores_per_socket = nr_cpus;
        pi->nr_cpus = nr_cpus;
        pi->max_cpu_id = nr_cpus - 1;
        pi->nr_nodes = 1;
        pi->cpu_khz = (uint32_t)tsc_khz();
        pi->total_pages = ram_frames();
        pi->free_pages = frames_free_count();
        pi->max_mfn = max_mfn - 1;
        return copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : 0;
    }
    case XEN_SYSCTL_readconsole: { /* the hypervisor's log: a console privilege too */
        long rc = has_cap(current->domain, CAP_CONSOLE) ? conring_read(&op.u.readconsole) : -EPERM;
        return rc ? rc : copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : 0;
    }
    case TESSERA_SYSCTL_audit_frames: {
        long rc = audit_frames(tessera_sysctl_u(&op, struct tessera_sysctl_audit));
        return rc ? rc : copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : 0;
    }
    default:
        return -ENOSYS;
    }
}

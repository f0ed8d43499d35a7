/* xen_version: we report Xen 4.17's interface so guests take their Xen paths. */
#include "lib.h"
#include "hypercall.h"
#include "guest_access.h"
#include "domain.h"
#include "bootinfo.h"
#include <xen/version.h>
#include <xen/features.h>

#define XEN_MAJOR 4
#define XEN_MINOR 17

static long copy_str_out(uint64_t arg, const char *s, size_t field)
{
    char buf[1024];
    if (field > sizeof(buf)) return -EINVAL;
    memset(buf, 0, field);
    memcpy(buf, s, MIN(strlen(s), field - 1));
    return copy_to_guest(arg, buf, field) ? -EFAULT : 0;
}

long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct domain *d = current->domain;
    switch (cmd) {
    case XENVER_version:
        return (XEN_MAJOR << 16) | XEN_MINOR;
    case XENVER_extraversion:
        return copy_str_out(arg, ".0-tessera", sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        memcpy(ci.compiler, "gcc", 3);
        memcpy(ci.compile_by, "tessera", 7);
        memcpy(ci.compile_domain, "tessera", 7);
        memcpy(ci.compile_date, __DATE__, sizeof(__DATE__) - 1);
        return copy_to_guest(arg, &ci, sizeof(ci)) ? -EFAULT : 0;
    }
    case XENVER_capabilities:
        return copy_str_out(arg, "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_str_out(arg, "tessera", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        xen_platform_parameters_t p = { .virt_start = HYPERVISOR_VIRT_START };
        return copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;
        if (copy_from_guest(&fi, arg, sizeof(fi))) return -EFAULT;
        if (fi.submap_idx != 0) return -EINVAL;
        /* What Xen 4.17 reports to a PV domU; no dom0 bit: nobody is all-powerful here. */
        fi.submap = (1u << XENFEAT_mmu_pt_update_preserve_ad) | (1u << XENFEAT_highmem_assist) |
                    (1u << XENFEAT_gnttab_map_avail_bits) | (1u << XENFEAT_memory_op_vnode_supported) |
                    (1u << XENFEAT_direct_mapped); /* PV: gfn == mfn */
        if (d->vm_assist & (1u << VMASST_TYPE_pae_extended_cr3))
            fi.submap |= 1u << XENFEAT_pae_pgdir_above_4gb;
        return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle: {
        xen_domain_handle_t h;
        memset(h, 0, sizeof(h));
        h[15] = (uint8_t)d->id;
        return copy_to_guest(arg, h, sizeof(h)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
        if (!has_cap(d, CAP_BUILD)) return -EPERM;
        return copy_str_out(arg, boot_info.cmdline, sizeof(xen_commandline_t));
    case XENVER_build_id:
        return has_cap(d, CAP_BUILD) ? -XEN_ENODATA : -EPERM;
    default:
        return -ENOSYS;
    }
}

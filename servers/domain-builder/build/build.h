/* Building a PV domain (the libxc job), against a back end:
 * create -> capabilities -> max_mem -> populate -> write kernel, ramdisk,
 * p2m, start_info, page tables, grant entries -> pin L4 -> vCPU 0 context.
 * The domain is left paused; the caller unpauses it once it has attached the
 * console.  On failure nothing is left behind (mappings undone, the domain
 * destroyed) and err says why. */
#ifndef DB_BUILD_H
#define DB_BUILD_H

#include "backend/backend.h"
#include "cfg/domcfg.h"
#include "build/layout.h"

#define BUILD_NO_XENSTORE 0xffffffffu

struct build_in {
    const struct domcfg *cfg;
    const uint8_t *kernel;
    size_t kernel_len;
    const uint8_t *ramdisk; /* NULL: none */
    size_t ramdisk_len;
    uint32_t domid;          /* wanted id (restart), 0 = any */
    uint32_t xenstore_domid; /* BUILD_NO_XENSTORE: none yet */
    int multiboot;           /* ramdisk is a module package (modpkg.h) */
};

struct build_out {
    uint32_t domid;
    uint32_t console_port, store_port; /* the child's ports */
    uint64_t console_mfn, store_mfn;
    uint64_t entry, start_info_va, stack_va;
    struct pv_layout layout;
};

int build_domain(struct backend *b, const struct build_in *in, struct build_out *out, char *err,
                 size_t errlen);

/* A restore (save/restore.c) uses the steps of a build that need no kernel:
 * build_restore_create makes the domain as build_domain does (in->domid,
 * capabilities, devices, max_mem) and populates the n pfns in frames[]
 * (each becomes its MFN), destroying it again on failure; once the caller
 * has set out->console_mfn and out->store_mfn, build_restore_links makes the
 * console and xenstore channels and the reserved grant entries (the caller
 * destroys the domain if that fails). */
int build_restore_create(struct backend *b, const struct build_in *in, struct build_out *out,
                         uint64_t *frames, uint64_t n, char *err, size_t errlen);
int build_restore_links(struct backend *b, const struct build_in *in, struct build_out *out, char *err,
                        size_t errlen);

/* The 32-byte hypercall stubs a kernel with a HYPERCALL_PAGE note gets. */
void build_hypercall_page(uint8_t *page);

#endif

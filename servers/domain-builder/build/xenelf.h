/* A PV kernel image: an ELF64 x86-64 executable with Xen ELF notes.
 * xenelf_parse() checks every header against the file size (the image is
 * hostile) and collects what the builder needs; xenelf_load() copies the
 * PT_LOAD segments into a mapping of the kernel's pseudo-physical range. */
#ifndef DB_XENELF_H
#define DB_XENELF_H

#include <stddef.h>
#include <stdint.h>

#define XENELF_MAX_SEGS 16

struct xenelf_seg {
    uint64_t offset, filesz, memsz;
    uint64_t vaddr; /* virt_base + p_paddr - paddr_offset */
};

struct xenelf {
    const uint8_t *img;
    size_t len;
    uint64_t virt_base, paddr_offset, entry;
    uint64_t vstart, vend; /* kernel range, page aligned */
    uint64_t hv_start_low;
    uint64_t init_p2m;       /* 0 = none: p2m goes in the kernel mapping */
    uint64_t hypercall_page; /* 0 = none */
    int mod_start_pfn;       /* ramdisk may be passed as an unmapped pfn */
    int nseg;
    struct xenelf_seg seg[XENELF_MAX_SEGS];
    char guest_os[32], loader[32], xen_version[32];
};

int xenelf_parse(const void *img, size_t len, struct xenelf *out, char *err, size_t errlen);
/* dst maps [e->vstart, e->vend); it is zeroed then filled. */
void xenelf_load(const struct xenelf *e, uint8_t *dst);

#endif

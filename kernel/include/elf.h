/* ELF64 images with Xen notes: what the first-domain builder needs to know. */
#ifndef TESSERA_ELF_H
#define TESSERA_ELF_H

#include "types.h"

struct xen_elf_info {
    uint64_t virt_base, paddr_offset, entry;
    uint64_t hypercall_page; /* 0 = no hypercall page requested */
    uint64_t pstart, pend;   /* pseudo-physical extent of the image */
    char features[128];
};

/* Parse and check an image of `len` bytes; -EINVAL with *why set on a bad image. */
int elf_parse(const uint8_t *img, size_t len, struct xen_elf_info *ei, const char **why);
/* Copy the PT_LOAD segments: dst(pa) returns the hypervisor address of pseudo-physical pa's page. */
void elf_load(const uint8_t *img, const struct xen_elf_info *ei, void *(*dst)(uint64_t pa, void *ctx),
              void *ctx);

#endif

/* Synthetic PV kernels for the tests: an ELF64 with two PT_LOAD segments
 * and a PT_NOTE of Xen notes chosen by the options. */
#ifndef DB_TEST_MKELF_H
#define DB_TEST_MKELF_H

#include <stddef.h>
#include <stdint.h>

struct mkelf_opts {
    uint64_t virt_base; /* VIRT_BASE note (0 = omit) */
    uint64_t paddr;     /* p_paddr of the first segment */
    uint64_t text_size, data_size, bss;
    uint64_t entry_off;          /* ENTRY = virt_base + paddr + entry_off */
    uint64_t init_p2m;           /* 0 = omit */
    uint64_t hypercall_page_off; /* 0 = omit */
    int mod_start_pfn;
    const char *xen_version; /* NULL = "xen-3.0" */
    int no_notes;
};

/* Writes the image into buf (size bytes at least 64 KiB); returns its length. */
size_t mkelf(uint8_t *buf, size_t size, const struct mkelf_opts *o);
/* The small kernel the xl shell tests boot: 12 KiB of text and 4 KiB of data
 * at 1 MiB, VIRT_BASE 0xffffffff80000000. */
size_t mkelf_small(uint8_t *buf, size_t size);

#endif

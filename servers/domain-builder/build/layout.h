/* The builder's use of the shared PV layout rules (lib/pvlayout): the
 * request taken from the kernel's ELF notes and the ramdisk, and the rules'
 * refusals turned into words. */
#ifndef DB_LAYOUT_H
#define DB_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "build/xenelf.h"
#include "pv_layout.h"

int layout_compute(const struct xenelf *e, uint64_t nr_pages, uint64_t ramdisk_len, struct pv_layout *out,
                   char *err, size_t errlen);

#endif

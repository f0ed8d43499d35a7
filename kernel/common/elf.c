/* ELF64 parsing for PV kernels: program headers and the "Xen" notes (entry,
 * virtual base, paddr offset, hypercall page, features).  Loading follows Xen's
 * libelf rule: every PT_LOAD goes to pseudo-physical p_paddr - PADDR_OFFSET. */
#include "lib.h"
#include "elf.h"
#include "elf64.h"
#include <xen/elfnote.h>

#define UNSET     (~0UL)
#define IMAGE_MAX (1UL << 30)

static const struct elf64_phdr *phdr_at(const uint8_t *img, const struct elf64_ehdr *eh, unsigned i)
{
    return (const struct elf64_phdr *)(img + eh->phoff + (uint64_t)i * sizeof(struct elf64_phdr));
}

static uint64_t note_val(const uint8_t *desc, uint32_t sz)
{
    uint64_t v = 0;
    memcpy(&v, desc, MIN(sz, 8u));
    return v;
}

static int parse_notes(const uint8_t *p, uint64_t len, struct xen_elf_info *ei)
{
    while (len >= 12) {
        uint32_t namesz = *(const uint32_t *)p, descsz = *(const uint32_t *)(p + 4),
                 type = *(const uint32_t *)(p + 8);
        uint64_t nsz = ALIGN_UP((uint64_t)namesz, 4), dsz = ALIGN_UP((uint64_t)descsz, 4);
        if (12 + nsz + dsz > len) return -EINVAL;
        const uint8_t *name = p + 12, *desc = p + 12 + nsz;
        if (namesz == 4 && !memcmp(name, "Xen", 4)) {
            switch (type) {
            case XEN_ELFNOTE_ENTRY:
                ei->entry = note_val(desc, descsz);
                break;
            case XEN_ELFNOTE_VIRT_BASE:
                ei->virt_base = note_val(desc, descsz);
                break;
            case XEN_ELFNOTE_PADDR_OFFSET:
                ei->paddr_offset = note_val(desc, descsz);
                break;
            case XEN_ELFNOTE_HYPERCALL_PAGE:
                ei->hypercall_page = note_val(desc, descsz);
                break;
            case XEN_ELFNOTE_FEATURES:
                memcpy(ei->features, desc, MIN((size_t)descsz, sizeof(ei->features) - 1));
                break;
            }
        }
        p += 12 + nsz + dsz;
        len -= 12 + nsz + dsz;
    }
    return 0;
}

int elf_parse(const uint8_t *img, size_t len, struct xen_elf_info *ei, const char **why)
{
    const struct elf64_ehdr *eh = (const struct elf64_ehdr *)img;
    memset(ei, 0, sizeof(*ei));
    ei->virt_base = 0;
    ei->paddr_offset = UNSET;
    ei->entry = UNSET;
    *why = "not an x86-64 ELF executable";
    if (len < sizeof(*eh) ||
        memcmp(eh->ident,
               "\x7f"
               "ELF",
               4) ||
        eh->ident[4] != 2 || eh->machine != 62)
        return -EINVAL;
    *why = "bad program header table";
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > len ||
        (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > len - eh->phoff)
        return -EINVAL;
    ei->pstart = UNSET;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = phdr_at(img, eh, i);
        *why = "segment outside the file";
        if (ph->type == PT_NOTE || ph->type == PT_LOAD)
            if (ph->offset > len || ph->filesz > len - ph->offset) return -EINVAL;
        if (ph->type == PT_NOTE && parse_notes(img + ph->offset, ph->filesz, ei)) {
            *why = "malformed note";
            return -EINVAL;
        }
    }
    if (ei->paddr_offset == UNSET) ei->paddr_offset = ei->virt_base;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = phdr_at(img, eh, i);
        if (ph->type != PT_LOAD || !ph->memsz) continue;
        *why = "bad PT_LOAD segment";
        if (ph->filesz > ph->memsz || ph->memsz > IMAGE_MAX || ph->paddr < ei->paddr_offset ||
            ph->paddr - ei->paddr_offset > IMAGE_MAX)
            return -EINVAL;
        uint64_t s = ph->paddr - ei->paddr_offset, e = s + ph->memsz;
        ei->pstart = MIN(ei->pstart, s);
        ei->pend = MAX(ei->pend, e);
    }
    *why = "no loadable segment";
    if (ei->pstart == UNSET) return -EINVAL;
    if (ei->entry == UNSET) ei->entry = eh->entry;
    *why = "entry point outside the image";
    if (ei->entry < ei->virt_base + ei->pstart || ei->entry >= ei->virt_base + ei->pend) return -EINVAL;
    *why = "hypercall page outside the image";
    if (ei->hypercall_page &&
        (ei->hypercall_page < ei->virt_base + ei->pstart ||
         ei->hypercall_page + PAGE_SIZE > ei->virt_base + ei->pend || (ei->hypercall_page & (PAGE_SIZE - 1))))
        return -EINVAL;
    return 0;
}

void elf_load(const uint8_t *img, const struct xen_elf_info *ei, void *(*dst)(uint64_t pa, void *ctx),
              void *ctx)
{
    const struct elf64_ehdr *eh = (const struct elf64_ehdr *)img;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = phdr_at(img, eh, i);
        if (ph->type != PT_LOAD || !ph->memsz) continue;
        uint64_t pa = ph->paddr - ei->paddr_offset;
        for (uint64_t off = 0; off < ph->memsz;) {
            uint64_t in_page = PAGE_SIZE - ((pa + off) & (PAGE_SIZE - 1));
            uint64_t n = MIN(in_page, ph->memsz - off);
            uint8_t *d = (uint8_t *)dst(pa + off, ctx) + ((pa + off) & (PAGE_SIZE - 1));
            if (off < ph->filesz) {
                uint64_t c = MIN(n, ph->filesz - off);
                memcpy(d, img + ph->offset + off, c);
                memset(d + c, 0, n - c);
            } else {
                memset(d, 0, n);
            }
            off += n;
        }
    }
}

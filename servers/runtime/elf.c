/* Loading the program: a static x86-64 ELF executable (ET_EXEC, musl-gcc -static),
 * checked whole first (servers/lib/progelf.c, the builder's check too).
 * Each PT_LOAD is copied into fresh zeroed frames mapped with its permissions
 * (pages shared by two segments get both sets). */
#include "rt.h"
#include "../lib/elf64.h"
#include "../lib/progelf.h"

static int seg_prot(uint32_t f)
{
    return (f & PF_R ? PROT_READ : 0) | (f & PF_W ? PROT_WRITE : 0) | (f & PF_X ? PROT_EXEC : 0);
}

static int pte_prot(uint64_t pte)
{
    return PROT_READ | (pte & _PAGE_RW ? PROT_WRITE : 0) | (pte & _PAGE_NX ? 0 : PROT_EXEC);
}

/* Map [start, end) for a segment and copy its file bytes. */
static long load_segment(const uint8_t *img, const Elf64_Phdr *ph)
{
    int prot = seg_prot(ph->p_flags);
    uint64_t start = PAGE_ALIGN_DOWN(ph->p_vaddr), end = PAGE_ALIGN_UP(ph->p_vaddr + ph->p_memsz);
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint64_t maddr, pfn;
        uint64_t *pte = uvm_pte(va, true, &maddr);
        if (*pte) {
            if (!mfn_is_ours((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT, &pfn)) return -EINVAL;
            pt_queue(maddr, (p2m[pfn] << PAGE_SHIFT) | uvm_pte_flags(prot | pte_prot(*pte)));
        } else {
            if (page_alloc_try(&pfn)) return -ENOMEM;
            pt_queue(maddr, (p2m[pfn] << PAGE_SHIFT) | uvm_pte_flags(prot));
        }
        /* Copy the part of the file image that falls into this page. */
        uint64_t lo = MAX(va, ph->p_vaddr), hi = MIN(va + PAGE_SIZE, ph->p_vaddr + ph->p_filesz);
        if (lo < hi)
            memcpy((uint8_t *)pfn_va(pfn) + (lo - va), img + ph->p_offset + (lo - ph->p_vaddr), hi - lo);
    }
    return pt_flush() ? -ENOMEM : 0;
}

_Static_assert(USER_ELF_MIN == PROGELF_VA_MIN && USER_MMAP_BASE == PROGELF_VA_END,
               "the builder checks a new program against the same area (progelf.h)");

long elf_load(const uint8_t *img, size_t size, uint64_t *entry, uint64_t *phdr, uint16_t *phnum,
              uint64_t *brk)
{
    const Elf64_Ehdr *eh = (const void *)img;
    const char *why = progelf_check(img, size, NULL);
    if (why) {
        printf("runtime: cannot load the program: %s\n", why);
        return -EINVAL;
    }
    const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff);
    *phdr = 0;
    *brk = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_PHDR) *phdr = ph[i].p_vaddr;
        if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz) continue;
        long rc = load_segment(img, &ph[i]);
        if (rc) return rc;
        if (!*phdr && ph[i].p_offset == 0) *phdr = ph[i].p_vaddr + eh->e_phoff;
        *brk = MAX(*brk, PAGE_ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz));
    }
    *entry = eh->e_entry;
    *phnum = eh->e_phnum;
    return 0;
}

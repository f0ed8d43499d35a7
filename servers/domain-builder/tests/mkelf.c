/* Synthetic PV kernel images for the builder tests (see mkelf.h). */
#include "mkelf.h"

#include <elf.h>
#include <string.h>
#include <xen/elfnote.h>

static size_t note(uint8_t *p, uint32_t type, const void *desc, uint32_t len)
{
    uint32_t h[3] = { 4, len, type };
    memcpy(p, h, 12);
    memcpy(p + 12, "Xen", 4);
    memcpy(p + 16, desc, len);
    return 16 + ((len + 3) & ~3u);
}

static size_t notes(uint8_t *p, const struct mkelf_opts *o)
{
    size_t n = 0;
    uint64_t v;
    const char *ver = o->xen_version ? o->xen_version : "xen-3.0";
    n += note(p + n, XEN_ELFNOTE_XEN_VERSION, ver, (uint32_t)strlen(ver) + 1);
    n += note(p + n, XEN_ELFNOTE_LOADER, "generic", 8);
    n += note(p + n, XEN_ELFNOTE_GUEST_OS, "test", 5);
    if (o->virt_base) {
        n += note(p + n, XEN_ELFNOTE_VIRT_BASE, &o->virt_base, 8);
        v = 0;
        n += note(p + n, XEN_ELFNOTE_PADDR_OFFSET, &v, 8);
    }
    v = o->virt_base + o->paddr + o->entry_off;
    n += note(p + n, XEN_ELFNOTE_ENTRY, &v, 8);
    if (o->init_p2m) n += note(p + n, XEN_ELFNOTE_INIT_P2M, &o->init_p2m, 8);
    if (o->hypercall_page_off) {
        v = o->virt_base + o->paddr + o->hypercall_page_off;
        n += note(p + n, XEN_ELFNOTE_HYPERCALL_PAGE, &v, 8);
    }
    if (o->mod_start_pfn) {
        uint32_t one = 1;
        n += note(p + n, XEN_ELFNOTE_MOD_START_PFN, &one, 4);
    }
    return n;
}

size_t mkelf(uint8_t *buf, size_t size, const struct mkelf_opts *o)
{
    Elf64_Ehdr h = { .e_type = ET_EXEC,
                     .e_machine = EM_X86_64,
                     .e_version = EV_CURRENT,
                     .e_phoff = sizeof(Elf64_Ehdr),
                     .e_ehsize = sizeof(Elf64_Ehdr),
                     .e_phentsize = sizeof(Elf64_Phdr),
                     .e_phnum = 3 };
    memcpy(h.e_ident, ELFMAG, SELFMAG);
    h.e_ident[EI_CLASS] = ELFCLASS64;
    h.e_ident[EI_DATA] = ELFDATA2LSB;
    h.e_ident[EI_VERSION] = EV_CURRENT;
    size_t off = 4096;
    Elf64_Phdr ph[3] = {
        { .p_type = PT_LOAD,
          .p_offset = off,
          .p_paddr = o->paddr,
          .p_filesz = o->text_size,
          .p_memsz = o->text_size,
          .p_flags = PF_R | PF_X },
        { .p_type = PT_LOAD,
          .p_offset = off + o->text_size,
          .p_paddr = o->paddr + o->text_size,
          .p_filesz = o->data_size,
          .p_memsz = o->data_size + o->bss,
          .p_flags = PF_R | PF_W },
        { .p_type = PT_NOTE, .p_offset = 1024 },
    };
    memset(buf, 0, size);
    ph[2].p_filesz = o->no_notes ? 0 : notes(buf + 1024, o);
    for (int i = 0; i < 2; i++)
        ph[i].p_vaddr = o->virt_base + ph[i].p_paddr;
    h.e_entry = ph[0].p_vaddr;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), ph, sizeof(ph));
    for (uint64_t i = 0; i < o->text_size + o->data_size && off + i < size; i++)
        buf[off + i] = (uint8_t)(i * 7 + 1);
    return off + o->text_size + o->data_size;
}

size_t mkelf_small(uint8_t *buf, size_t size)
{
    const struct mkelf_opts o = {
        .virt_base = 0xffffffff80000000ull, .paddr = 0x100000, .text_size = 0x3000, .data_size = 0x1000
    };
    return mkelf(buf, size, &o);
}

/* ELF64 + Xen notes parser and segment loader (see xenelf.h).  Rules as
 * Xen's loader: every PT_LOAD goes to pseudo-physical p_paddr - paddr_offset,
 * i.e. virtual virt_base + that; the entry point is the ENTRY note (else
 * e_entry).  Every offset and size is checked against the file and against
 * overflow before it is used. */
#include "build/xenelf.h"
#include "util.h"

#include <elf.h>
#include <string.h>
#include <xen/elfnote.h>

#define HOLE_START 0xffff800000000000ull
#define HOLE_END   0xffff880000000000ull

static int canonical(uint64_t va) { return va < 0x0000800000000000ull || va >= 0xffff800000000000ull; }

static uint64_t note_num(const uint8_t *d, uint32_t n)
{
    uint64_t v = 0;
    if (n == 4 || n == 8) memcpy(&v, d, n); /* little endian */
    return v;
}

static void note_str(char *dst, size_t size, const uint8_t *d, uint32_t n)
{
    size_t k = n < size - 1 ? n : size - 1;
    memcpy(dst, d, k);
    dst[k] = 0;
    for (size_t i = 0; i < k; i++)
        if (dst[i] && (dst[i] < 0x20 || dst[i] > 0x7e)) dst[i] = '?';
}

struct notes {
    int have_virt_base, have_paddr_offset, have_entry;
};

static void one_note(struct xenelf *e, struct notes *nt, uint32_t type, const uint8_t *d, uint32_t n)
{
    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        e->entry = note_num(d, n);
        nt->have_entry = 1;
        break;
    case XEN_ELFNOTE_VIRT_BASE:
        e->virt_base = note_num(d, n);
        nt->have_virt_base = 1;
        break;
    case XEN_ELFNOTE_PADDR_OFFSET:
        e->paddr_offset = note_num(d, n);
        nt->have_paddr_offset = 1;
        break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        e->hypercall_page = note_num(d, n);
        break;
    case XEN_ELFNOTE_HV_START_LOW:
        e->hv_start_low = note_num(d, n);
        break;
    case XEN_ELFNOTE_INIT_P2M:
        e->init_p2m = note_num(d, n);
        break;
    case XEN_ELFNOTE_MOD_START_PFN:
        e->mod_start_pfn = note_num(d, n) != 0;
        break;
    case XEN_ELFNOTE_GUEST_OS:
        note_str(e->guest_os, sizeof(e->guest_os), d, n);
        break;
    case XEN_ELFNOTE_LOADER:
        note_str(e->loader, sizeof(e->loader), d, n);
        break;
    case XEN_ELFNOTE_XEN_VERSION:
        note_str(e->xen_version, sizeof(e->xen_version), d, n);
        break;
    default:
        break;
    }
}

/* Walks one PT_NOTE segment; returns the number of Xen notes or -1. */
static int parse_notes(struct xenelf *e, struct notes *nt, uint64_t off, uint64_t size)
{
    int count = 0;
    while (size >= 12) {
        uint32_t h[3];
        memcpy(h, e->img + off, 12);
        uint64_t nsz = (h[0] + 3ull) & ~3ull, dsz = (h[1] + 3ull) & ~3ull;
        if (12 + nsz + dsz > size) return -1;
        const uint8_t *name = e->img + off + 12, *desc = name + nsz;
        if (h[0] == 4 && !memcmp(name, "Xen", 4)) {
            one_note(e, nt, h[2], desc, h[1]);
            count++;
        }
        off += 12 + nsz + dsz;
        size -= 12 + nsz + dsz;
    }
    return count;
}

static int check_ehdr(const struct xenelf *e, Elf64_Ehdr *h, char *err, size_t errlen)
{
    if (e->len < sizeof(*h) || memcmp(e->img, ELFMAG, SELFMAG))
        return db_errf(err, errlen, "not an ELF file");
    memcpy(h, e->img, sizeof(*h));
    if (h->e_ident[EI_CLASS] != ELFCLASS64 || h->e_ident[EI_DATA] != ELFDATA2LSB || h->e_machine != EM_X86_64)
        return db_errf(err, errlen, "not an x86-64 ELF64 image");
    if (h->e_type != ET_EXEC) return db_errf(err, errlen, "not an executable ELF image");
    if (h->e_phentsize != sizeof(Elf64_Phdr) || !h->e_phnum || h->e_phoff > e->len ||
        (e->len - h->e_phoff) / sizeof(Elf64_Phdr) < h->e_phnum)
        return db_errf(err, errlen, "bad program header table");
    return 0;
}

static Elf64_Phdr phdr(const struct xenelf *e, const Elf64_Ehdr *h, int i)
{
    Elf64_Phdr p;
    memcpy(&p, e->img + h->e_phoff + (uint64_t)i * sizeof(p), sizeof(p));
    return p;
}

/* PT_LOAD segments: in the file, no overflow, virtual addresses computed. */
static int collect_segs(struct xenelf *e, const Elf64_Ehdr *h, char *err, size_t errlen)
{
    for (int i = 0; i < h->e_phnum; i++) {
        Elf64_Phdr p = phdr(e, h, i);
        if (p.p_type != PT_LOAD || !p.p_memsz) continue;
        if (p.p_filesz > p.p_memsz || p.p_offset > e->len || e->len - p.p_offset < p.p_filesz)
            return db_errf(err, errlen, "segment %d lies outside the file", i);
        if (p.p_paddr < e->paddr_offset || p.p_memsz > (1ull << 40) ||
            p.p_paddr - e->paddr_offset > (1ull << 40))
            return db_errf(err, errlen, "segment %d has a bad physical address", i);
        if (e->nseg == XENELF_MAX_SEGS)
            return db_errf(err, errlen, "more than %d loadable segments", XENELF_MAX_SEGS);
        struct xenelf_seg *s = &e->seg[e->nseg++];
        s->offset = p.p_offset;
        s->filesz = p.p_filesz;
        s->memsz = p.p_memsz;
        s->vaddr = e->virt_base + (p.p_paddr - e->paddr_offset);
        if (s->vaddr < e->virt_base || s->vaddr + s->memsz < s->vaddr)
            return db_errf(err, errlen, "segment %d wraps the address space", i);
    }
    if (!e->nseg) return db_errf(err, errlen, "no loadable segments");
    return 0;
}

static int find_notes(struct xenelf *e, const Elf64_Ehdr *h, struct notes *nt, char *err, size_t errlen)
{
    int found = 0;
    for (int i = 0; i < h->e_phnum; i++) {
        Elf64_Phdr p = phdr(e, h, i);
        if (p.p_type != PT_NOTE) continue;
        if (p.p_offset > e->len || e->len - p.p_offset < p.p_filesz)
            return db_errf(err, errlen, "note segment %d lies outside the file", i);
        int n = parse_notes(e, nt, p.p_offset, p.p_filesz);
        if (n < 0) return db_errf(err, errlen, "malformed note in segment %d", i);
        found += n;
    }
    if (!found) return db_errf(err, errlen, "no Xen ELF notes (not a PV kernel)");
    if (e->xen_version[0] && strcmp(e->xen_version, "xen-3.0"))
        return db_errf(err, errlen, "XEN_VERSION note is \"%s\", not \"xen-3.0\"", e->xen_version);
    if (e->loader[0] && strcmp(e->loader, "generic"))
        return db_errf(err, errlen, "LOADER note is \"%s\", not \"generic\"", e->loader);
    return 0;
}

/* The kernel range and entry: canonical, page-aligned, clear of the
 * hypervisor's hole, at most 1 GiB (it must fit one L2 for Linux). */
static int check_range(struct xenelf *e, char *err, size_t errlen)
{
    uint64_t lo = ~0ull, hi = 0;
    for (int i = 0; i < e->nseg; i++) {
        lo = e->seg[i].vaddr < lo ? e->seg[i].vaddr : lo;
        hi = e->seg[i].vaddr + e->seg[i].memsz > hi ? e->seg[i].vaddr + e->seg[i].memsz : hi;
    }
    e->vstart = lo & ~(PAGE_4K - 1);
    e->vend = (hi + PAGE_4K - 1) & ~(PAGE_4K - 1);
    if (e->virt_base & (PAGE_4K - 1))
        return db_errf(err, errlen, "VIRT_BASE %#llx is not page aligned", (unsigned long long)e->virt_base);
    if (!e->vend || e->vend - e->virt_base > (1ull << 30))
        return db_errf(err, errlen, "kernel image larger than 1 GiB");
    if (!canonical(e->vstart) || !canonical(e->vend - 1) || (e->vstart < HOLE_END && e->vend > HOLE_START))
        return db_errf(err, errlen, "kernel range %#llx-%#llx not usable", (unsigned long long)e->vstart,
                       (unsigned long long)e->vend);
    if (e->entry < e->vstart || e->entry >= e->vend)
        return db_errf(err, errlen, "entry %#llx outside the kernel", (unsigned long long)e->entry);
    if (e->hypercall_page &&
        (e->hypercall_page < e->vstart || e->hypercall_page >= e->vend || (e->hypercall_page & 0xfff)))
        return db_errf(err, errlen, "bad HYPERCALL_PAGE note");
    return 0;
}

int xenelf_parse(const void *img, size_t len, struct xenelf *out, char *err, size_t errlen)
{
    static struct xenelf e;
    struct notes nt = { 0, 0, 0 };
    Elf64_Ehdr h;
    memset(&e, 0, sizeof(e));
    e.img = img;
    e.len = len;
    if (check_ehdr(&e, &h, err, errlen) || find_notes(&e, &h, &nt, err, errlen)) return -1;
    if (!nt.have_paddr_offset) e.paddr_offset = e.virt_base; /* Xen's default */
    if (!nt.have_entry) e.entry = h.e_entry;
    if (collect_segs(&e, &h, err, errlen) || check_range(&e, err, errlen)) return -1;
    if (e.init_p2m & ((1ull << 39) - 1))
        return db_errf(err, errlen, "INIT_P2M %#llx is not 512 GiB aligned", (unsigned long long)e.init_p2m);
    *out = e;
    return 0;
}

void xenelf_load(const struct xenelf *e, uint8_t *dst)
{
    memset(dst, 0, e->vend - e->vstart);
    for (int i = 0; i < e->nseg; i++)
        memcpy(dst + (e->seg[i].vaddr - e->vstart), e->img + e->seg[i].offset, e->seg[i].filesz);
}

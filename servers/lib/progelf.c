/* The checks on a service program's image (progelf.h), shared by the
 * runtime's loader and the builder.  Every offset and size is checked
 * against the file before it is used. */
#include "progelf.h"
#include "elf64.h"

#if __STDC_HOSTED__
#include <string.h>
#else
#include "freestanding.h" /* the service runtime (lib/freestanding) */
#endif

/* the bytes [off, off + len) lie within the file */
static int within(uint64_t off, uint64_t len, size_t size) { return off <= size && len <= size - off; }

/* The program note among the notes of one SHT_NOTE section, if any; -1 if
 * a note is malformed. */
static int find_note(const uint8_t *p, uint64_t n, struct progelf_info *info)
{
    uint64_t at = 0;
    while (n - at >= 12) {
        uint32_t nsz, dsz, type;
        memcpy(&nsz, p + at, 4);
        memcpy(&dsz, p + at + 4, 4);
        memcpy(&type, p + at + 8, 4);
        uint64_t name = at + 12, desc = name + (((uint64_t)nsz + 3) & ~3ull);
        uint64_t next = desc + (((uint64_t)dsz + 3) & ~3ull);
        if (next > n) return -1;
        if (nsz == sizeof(PROGELF_NOTE_OWNER) && !memcmp(p + name, PROGELF_NOTE_OWNER, nsz) &&
            type == PROGELF_NOTE_TYPE) {
            const char *d = (const char *)p + desc;
            size_t l1 = strnlen(d, dsz);
            if (l1 == 0 || l1 > PROGELF_NAME_MAX || l1 + 1 >= dsz) return -1;
            size_t l2 = strnlen(d + l1 + 1, dsz - l1 - 1);
            if (l2 > PROGELF_VER_MAX || l1 + 1 + l2 >= dsz) return -1;
            if (info) {
                memcpy(info->name, d, l1 + 1);
                memcpy(info->version, d + l1 + 1, l2 + 1);
            }
            return 1;
        }
        at = next;
    }
    return 0;
}

const char *progelf_check(const uint8_t *img, size_t size, struct progelf_info *info)
{
    Elf64_Ehdr eh;
    if (info) info->name[0] = info->version[0] = 0;
    if (size < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG)) return "not an ELF file";
    memcpy(&eh, img, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) return "not an x86-64 ELF64 file";
    if (eh.e_type != ET_EXEC) return "not a static executable (ET_EXEC); link with musl-gcc -static";
    if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
        !within(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), size))
        return "bad program headers";
    int loads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || !ph.p_memsz) continue;
        if (ph.p_vaddr < PROGELF_VA_MIN || ph.p_memsz > PROGELF_VA_END ||
            ph.p_vaddr + ph.p_memsz > PROGELF_VA_END || ph.p_filesz > ph.p_memsz ||
            !within(ph.p_offset, ph.p_filesz, size))
            return "a loaded segment lies outside the file or the program area";
        loads++;
    }
    if (!loads) return "nothing to load (no PT_LOAD segment)";
    if (eh.e_entry < PROGELF_VA_MIN || eh.e_entry >= PROGELF_VA_END)
        return "entry point outside the program area";
    if (!eh.e_shoff || !eh.e_shnum) return NULL; /* stripped of sections: no note */
    if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !within(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), size))
        return "bad section headers";
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_NOTE) continue;
        if (!within(sh.sh_offset, sh.sh_size, size)) return "a note section lies outside the file";
        int r = find_note(img + sh.sh_offset, sh.sh_size, info);
        if (r < 0) return "a malformed note";
        if (r) break;
    }
    return NULL;
}

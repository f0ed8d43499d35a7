/* The ELF64 file and program headers, for the PV-kernel loaders that cannot
 * use a C library's <elf.h> (the core's first-domain build, guests/multi's
 * tiny libxc). */
#ifndef FREESTANDING_ELF64_H
#define FREESTANDING_ELF64_H

#include <stdint.h>

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PT_NOTE 4

#endif

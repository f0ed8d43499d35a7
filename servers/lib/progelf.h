/* A service program's image: the checks the service runtime's loader makes
 * before it loads one, and the program note (progver.h) that says which
 * program and version it is.  The builder makes the same checks before it
 * replaces a running service domain's program with a new image (xl restart
 * NAME IMAGE, docs/restart.md), so that an image the runtime would refuse
 * never replaces a working one. */
#ifndef SERVERS_PROGELF_H
#define SERVERS_PROGELF_H
#include <stddef.h>
#include <stdint.h>

/* Where the runtime lets a program's segments lie: above the null guard,
 * below its mmap area (servers/runtime/rt.h checks it uses the same). */
#define PROGELF_VA_MIN 0x10000UL
#define PROGELF_VA_END 0x1000000000UL

/* The note progver.h puts in every program: owner "Tessera", type 1,
 * description "NAME\0VERSION\0". */
#define PROGELF_NOTE_OWNER "Tessera"
#define PROGELF_NOTE_TYPE  1
#define PROGELF_NAME_MAX   31
#define PROGELF_VER_MAX    63

struct progelf_info {
    char name[PROGELF_NAME_MAX + 1];   /* "" if the image has no program note */
    char version[PROGELF_VER_MAX + 1]; /* "" likewise */
};

/* NULL if img is an image the runtime loads (a static x86-64 ELF64
 * executable whose loaded segments lie within the file and the program
 * area); else why not.  info (may be NULL) gets its program note, if any
 * (a malformed note is a refusal too). */
const char *progelf_check(const uint8_t *img, size_t size, struct progelf_info *info);

#endif

/* Which program and version an image is: TESSERA_PROGRAM("netback") in a
 * service program's main.c puts a note in its image (owner "Tessera", type
 * 1, "NAME\0VERSION\0"; progelf.h) that the runtime prints when it starts
 * the program and the builder reads for xl list -v and checks before an
 * upgrade (xl restart NAME IMAGE, docs/restart.md).  PROG_VERSION comes from
 * the build (servers/servers.mk: git describe, or PROG_VERSION=...). */
#ifndef SERVERS_PROGVER_H
#define SERVERS_PROGVER_H
#include <stdint.h>

#ifndef PROG_VERSION
#define PROG_VERSION "unknown"
#endif

#define TESSERA_PROGRAM(name)                                                                                \
    __attribute__((used, section(".note.tessera"), aligned(4))) static const struct {                        \
        uint32_t namesz, descsz, type;                                                                       \
        char owner[8];                                                                                       \
        char desc[sizeof(name "\0" PROG_VERSION)];                                                           \
    } tessera_program_note = { 8, sizeof(name "\0" PROG_VERSION), 1, "Tessera", name "\0" PROG_VERSION }

#endif

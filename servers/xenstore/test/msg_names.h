/*
 * msg_names.h: xenstore message type names for the test tools, in the order
 * of xs_wire.h's enum xsd_sockmsg_type, so that scripts and expected replies
 * read as words ("READ /x") instead of numbers.
 */
#ifndef TESSERA_XS_TEST_MSG_NAMES_H
#define TESSERA_XS_TEST_MSG_NAMES_H

#include <stdlib.h>
#include <string.h>

static const char *const xs_msg_names[] = {
    "CONTROL",
    "DIRECTORY",
    "READ",
    "GET_PERMS",
    "WATCH",
    "UNWATCH",
    "TRANSACTION_START",
    "TRANSACTION_END",
    "INTRODUCE",
    "RELEASE",
    "GET_DOMAIN_PATH",
    "WRITE",
    "MKDIR",
    "RM",
    "SET_PERMS",
    "WATCH_EVENT",
    "ERROR",
    "IS_DOMAIN_INTRODUCED",
    "RESUME",
    "SET_TARGET",
    "RESTRICT",
    "RESET_WATCHES",
    "DIRECTORY_PART",
};

#define XS_MSG_NNAMES (sizeof(xs_msg_names) / sizeof(xs_msg_names[0]))

/* A type by name or number ("READ", "2", "0x99"); -1 if it is neither. */
static inline int xs_msg_type(const char *name)
{
    for (size_t i = 0; i < XS_MSG_NNAMES; i++)
        if (!strcmp(name, xs_msg_names[i])) return (int)i;
    char *end;
    long v = strtol(name, &end, 0);
    return *name && !*end ? (int)v : -1;
}

/* The name of a type, or NULL for one the table does not know. */
static inline const char *xs_msg_name(unsigned type)
{
    return type < XS_MSG_NNAMES ? xs_msg_names[type] : NULL;
}

#endif

/* The boot configuration: a file (a boot module) naming one domain config
 * per line ('#' comments).  At boot the builder starts the service domains
 * (configs with capabilities) first, in the listed order, then the guests.
 * A config that fails is logged and skipped; the others still start. */
#ifndef DB_BOOTCFG_H
#define DB_BOOTCFG_H

#include "mgr/mgr.h"

#define BOOTCFG_MAX 64

struct bootcfg {
    int n;
    char path[BOOTCFG_MAX][256];
    int line[BOOTCFG_MAX];
};

int bootcfg_parse(const char *name, const char *text, size_t len, struct bootcfg *out, char *err,
                  size_t errlen);
/* Starts everything; returns the number of domains that failed. */
int bootcfg_start(struct mgr *m, const struct bootcfg *bc);

#endif

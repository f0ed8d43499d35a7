/* Internal to domcfg*.c: the context the key handlers share. */
#ifndef DB_DOMCFG_INT_H
#define DB_DOMCFG_INT_H

#include "cfg/domcfg.h"

struct dc_ctx {
    const struct cfg_file *f;
    struct domcfg *d;
    char *err;
    size_t errlen;
    int maxmem_line, devices_line, ramdisk_line, modules_line, maxvcpus_line, vcpus_line, state_line;
    uint32_t maxvcpus;
};

struct dc_key {
    const char *key;
    int (*fn)(struct dc_ctx *c, const struct cfg_setting *s);
};

int dc_fail(struct dc_ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int dc_want(struct dc_ctx *c, const struct cfg_setting *s, enum cfg_type t);

int dc_vif(struct dc_ctx *c, const struct cfg_setting *s);
int dc_disk(struct dc_ctx *c, const struct cfg_setting *s);
int dc_caps(struct dc_ctx *c, const struct cfg_setting *s);
int dc_modules(struct dc_ctx *c, const struct cfg_setting *s);
int dc_devices(struct dc_ctx *c, const struct cfg_setting *s);
int dc_pci(struct dc_ctx *c, const struct cfg_setting *s);
/* domcfg_compat.c: the rest of xl.cfg(5) for PV guests */
int dc_warn(struct dc_ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int dc_compat(struct dc_ctx *c, const struct cfg_setting *s); /* 1: not a compat key */
int dc_compat_final(struct dc_ctx *c);

#endif

/* A parsed domain configuration as xl.cfg text again (the save stream's
 * CONFIG record; a restore parses it as `xl create` would). */
#ifndef DB_SAVE_CFGTEXT_H
#define DB_SAVE_CFGTEXT_H

#include <stddef.h>
#include "cfg/domcfg.h"

/* The text's length, or -1 when it does not fit in size bytes. */
int save_cfg_text(const struct domcfg *c, char *buf, size_t size);

#endif

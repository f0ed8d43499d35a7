/* A parsed domain configuration as xl.cfg text again (the save stream's
 * CONFIG record; a restore parses it as `xl create` would). */
#ifndef DB_SAVE_CFGTEXT_H
#define DB_SAVE_CFGTEXT_H

#include <stddef.h>
#include "cfg/domcfg.h"

/* The text's length, or -1 when it does not fit in size bytes. */
int save_cfg_text(const struct domcfg *c, char *buf, size_t size);

/* What the devices are, written out so that a restore under another domid
 * recreates them as they were: each vif without mac= gets the MAC it has
 * (derived from the domid, which the restore changes; the guest's netfront
 * keeps its MAC, as under Xen, where libxl saves the MAC it chose).  -1
 * with the reason for a vif list with a hole (a vif detached from the
 * middle: devids are places, and a config cannot say so) or a spec too long. */
int save_cfg_pin(struct domcfg *c, uint32_t domid, char *err, size_t errlen);

#endif

/* What to do with a domain that has shut down: the on_poweroff/on_reboot/
 * on_crash policy of its config, with a brake on restart loops.  Service
 * domains (any capability) come back with the same domain id, so that the
 * domains using them find them where they were. */
#ifndef DB_POLICY_H
#define DB_POLICY_H

#include <stdint.h>
#include "backend/backend.h"
#include "cfg/domcfg.h"

#define POLICY_BURST     5     /* restarts ... */
#define POLICY_WINDOW_MS 60000 /* ... within this long: stop restarting */

enum policy_act { POL_NONE, POL_DESTROY, POL_RESTART, POL_PRESERVE };

struct restart_hist {
    uint64_t at_ms[POLICY_BURST];
    int n;
};

struct policy_dec {
    enum policy_act act;
    int same_domid;
    uint32_t reason; /* SHUTDOWN_* */
    const char *why; /* "poweroff", "crash", ... */
};

/* info: the domain's getdomaininfo; records a restart in h when it decides one. */
struct policy_dec policy_decide(const db_dominfo *info, const struct domcfg *cfg, struct restart_hist *h,
                                uint64_t now_ms);
const char *policy_act_name(enum policy_act a);

#endif

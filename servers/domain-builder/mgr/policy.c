/* Death policy (see policy.h).  Shutdown reasons as Xen's sched.h:
 * poweroff -> on_poweroff; reboot and soft_reset -> on_reboot; crash,
 * watchdog and anything unknown -> on_crash; suspend is left alone (no
 * save/restore here).  A dying domain is already on its way out. */
#include "mgr/policy.h"

#include <xen/sched.h>

static const char *reason_name(uint32_t r)
{
    static const char *names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
    return r < sizeof(names) / sizeof(*names) ? names[r] : "unknown";
}

static enum dom_action action_for(const struct domcfg *cfg, uint32_t reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        return cfg->on_poweroff;
    case SHUTDOWN_reboot:
    case SHUTDOWN_soft_reset:
        return cfg->on_reboot;
    default:
        return cfg->on_crash;
    }
}

/* True (and the restart recorded) unless POLICY_BURST restarts happened in
 * the last POLICY_WINDOW_MS. */
static int may_restart(struct restart_hist *h, uint64_t now)
{
    int recent = 0;
    for (int i = 0; i < h->n; i++)
        recent += now - h->at_ms[i] < POLICY_WINDOW_MS;
    if (recent >= POLICY_BURST) return 0;
    if (h->n == POLICY_BURST) {
        for (int i = 1; i < POLICY_BURST; i++)
            h->at_ms[i - 1] = h->at_ms[i];
        h->n--;
    }
    h->at_ms[h->n++] = now;
    return 1;
}

struct policy_dec policy_decide(const db_dominfo *info, const struct domcfg *cfg, struct restart_hist *h,
                                uint64_t now_ms)
{
    struct policy_dec d = { POL_NONE, 0, 0, "running" };
    if (!(info->flags & XEN_DOMINF_shutdown) || (info->flags & XEN_DOMINF_dying)) return d;
    d.reason = (info->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    d.why = reason_name(d.reason);
    if (d.reason == SHUTDOWN_suspend) return d;
    enum dom_action a = action_for(cfg, d.reason);
    d.act = a == ACT_DESTROY ? POL_DESTROY : a == ACT_PRESERVE ? POL_PRESERVE : POL_RESTART;
    if (d.act == POL_RESTART && !may_restart(h, now_ms)) {
        d.act = POL_DESTROY;
        d.why = "restarting too fast";
    }
    d.same_domid = d.act == POL_RESTART && cfg->caps != 0;
    return d;
}

const char *policy_act_name(enum policy_act a)
{
    static const char *n[] = { "none", "destroy", "restart", "preserve" };
    return n[a];
}

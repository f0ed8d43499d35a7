/* Death policy: each shutdown reason to its on_* action, service domains
 * keep their id, suspend and dying are left alone, and restart loops stop. */
#include "unit.h"
#include "mgr/policy.h"

#include <xen/sched.h>

static db_dominfo dead(uint32_t reason)
{
    db_dominfo i;
    memset(&i, 0, sizeof(i));
    i.flags = XEN_DOMINF_shutdown | reason << XEN_DOMINF_shutdownshift;
    return i;
}

void test_policy(void)
{
    struct domcfg c;
    struct restart_hist h;
    memset(&c, 0, sizeof(c));
    memset(&h, 0, sizeof(h));
    c.on_poweroff = ACT_DESTROY;
    c.on_reboot = ACT_RESTART;
    c.on_crash = ACT_PRESERVE;
    db_dominfo i = dead(SHUTDOWN_poweroff);
    struct policy_dec d = policy_decide(&i, &c, &h, 0);
    CHECK(d.act == POL_DESTROY && !strcmp(d.why, "poweroff"), "poweroff -> on_poweroff");
    i = dead(SHUTDOWN_reboot);
    d = policy_decide(&i, &c, &h, 0);
    CHECK(d.act == POL_RESTART && !d.same_domid, "reboot -> restart, guest gets a new id");
    i = dead(SHUTDOWN_crash);
    d = policy_decide(&i, &c, &h, 0);
    CHECK(d.act == POL_PRESERVE && !strcmp(d.why, "crash"), "crash -> on_crash");
    i = dead(SHUTDOWN_watchdog);
    CHECK(policy_decide(&i, &c, &h, 0).act == POL_PRESERVE, "watchdog -> on_crash");
    i = dead(SHUTDOWN_soft_reset);
    memset(&h, 0, sizeof(h));
    CHECK(policy_decide(&i, &c, &h, 0).act == POL_RESTART, "soft_reset -> on_reboot");
    i = dead(77);
    CHECK(policy_decide(&i, &c, &h, 0).act == POL_PRESERVE, "unknown reason -> on_crash");
    i = dead(SHUTDOWN_suspend);
    CHECK(policy_decide(&i, &c, &h, 0).act == POL_NONE, "suspend left alone");
    i = dead(SHUTDOWN_crash);
    i.flags |= XEN_DOMINF_dying;
    CHECK(policy_decide(&i, &c, &h, 0).act == POL_NONE, "dying left alone");
    memset(&i, 0, sizeof(i));
    i.flags = XEN_DOMINF_running | 0xffffu << XEN_DOMINF_shutdownshift;
    CHECK(policy_decide(&i, &c, &h, 0).act == POL_NONE, "running: nothing");
    /* a crashing service domain: restarted with its id, at most 5 per minute */
    c.caps = 1;
    c.on_crash = ACT_RESTART;
    memset(&h, 0, sizeof(h));
    i = dead(SHUTDOWN_crash);
    int restarts = 0;
    for (int k = 0; k < 5; k++) {
        d = policy_decide(&i, &c, &h, 1000 + k * 1000);
        restarts += d.act == POL_RESTART && d.same_domid;
    }
    CHECK(restarts == 5, "five restarts with the same id");
    d = policy_decide(&i, &c, &h, 7000);
    CHECK(d.act == POL_DESTROY && !strcmp(d.why, "restarting too fast"), "sixth in a minute: destroy");
    d = policy_decide(&i, &c, &h, 61500);
    CHECK(d.act == POL_RESTART, "after the window: restart again");
    CHECK_STR(policy_act_name(POL_PRESERVE), "preserve", "names");
}

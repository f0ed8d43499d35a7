/* Runs every domain-builder unit test group and prints "N passed, M failed". */
#include "unit.h"

int main(void)
{
    unit_begin();
    unit_quiet = true;
    static const struct {
        const char *name;
        void (*fn)(void);
    } groups[] = {
        { "config parser", test_cfg },
        { "layout", test_layout },
        { "build (fake back end)", test_build },
        { "xl command parsing", test_xlcmd },
        { "death policy", test_policy },
        { "console ring", test_console },
        { "boot configuration", test_bootcfg },
        { "manager and xl shell (fake back end)", test_xl },
        { "disk = [ ... ] to xenstore vbd nodes", test_vbd },
        { "vif = [ ... ] to xenstore vif nodes", test_vif },
        { "save and restore (fake back end)", test_save },
        { "xl restart NAME IMAGE: live upgrade (fake back end)", test_upgrade },
        { "state_pages: pages kept across a domain's deaths (fake back end)", test_statepg },
        { "image cache (fake back end)", test_imgcache },
    };
    for (size_t i = 0; i < sizeof(groups) / sizeof(*groups); i++) {
        int f0 = unit_failed, p0 = unit_passed;
        groups[i].fn();
        printf("%s - %s (%d checks)\n", unit_failed == f0 ? "ok" : "FAIL", groups[i].name,
               unit_passed + unit_failed - p0 - f0);
    }
    return unit_end();
}

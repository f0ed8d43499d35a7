/* netback host unit tests: the VFR (parser, rules, bridge, anti-spoofing,
 * rate limits, commands, persistence), the netif backend against fake
 * frontends, its xenbus side, the virtio-net NIC against a fake device. */
#include "t.h"

int t_pass, t_fail;

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_vfr();
    test_vfr_store();
    test_netif();
    test_nb_xb();
    test_nic();
    printf("%d passed, %d failed\n", t_pass, t_fail);
    return t_fail != 0;
}

/* netback host unit tests: the VFR (parser, rules, bridge, anti-spoofing,
 * rate limits, commands, persistence), the netif backend against fake
 * frontends, its xenbus side, the virtio-net NIC against a fake device. */
#include "t.h"

int main(void)
{
    unit_begin();
    test_vfr();
    test_vfr_store();
    test_netif();
    test_nb_xb();
    test_nic();
    test_keep();
    return unit_end();
}

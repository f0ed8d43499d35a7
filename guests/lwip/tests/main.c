/* Host unit tests of the lwIP guest's shared pieces: servers/lib/netfront
 * against a scripted hostile backend, servers/lib/xenbus_fe against our host
 * xenstored (NB_XENSTORED) with hostile xenstore values. */
#include "check.h"
#include "unit_lwip.h"

int main(void)
{
    unit_begin();
    test_netfront();
    test_xenbus_fe();
    return unit_end();
}

/* servers/lib/xenbus_fe against our host xenstored: the toolstack's and the
 * backend's nodes as they should be, then hostile values in each; every
 * refusal is checked with its message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "check.h"
#include "unit_lwip.h"
#include "xenbus_fe.h"
#include "xsd.h"

#define FE "/local/domain/7/device/vif/0"
#define BE "/local/domain/2/backend/vif/7/0"

static struct xsc *xs;

static void put(const char *path, const char *val)
{
    if (xsc_write(xs, path, val)) CHECK(0, "xenstore write for the test");
}

static void good_nodes(void)
{
    xsc_rm(xs, "/local/domain/7");
    xsc_rm(xs, "/local/domain/2");
    put(FE "/backend-id", "2");
    put(FE "/backend", BE);
    put(BE "/state", "2");
}

static int open7(struct xfe *f) { return xfe_open(f, xs, 7, "vif", 0); }

void test_xenbus_fe(void)
{
    struct xsd s;
    if (xsd_start(&s) || !(xs = xsd_conn(&s))) {
        CHECK(0, "xenbus_fe: start our host xenstored (NB_XENSTORED)");
        xsd_stop(&s);
        return;
    }
    xsc_set_timeout(xs, 5000);
    struct xfe f;
    good_nodes();
    CHECK_EQ(open7(&f), 0, "xenbus_fe: the toolstack's nodes open");
    CHECK_EQ(f.be_id, 2, "xenbus_fe: backend-id read");
    CHECK(!strcmp(f.be, BE), "xenbus_fe: backend read");
    CHECK_EQ(xfe_wait_backend(&f, XenbusStateInitWait, 2000), 0, "xenbus_fe: backend in InitWait is found");
    CHECK_EQ(xfe_printf(&f, "tx-ring-ref", "%d", 9), 0, "xenbus_fe: a frontend node written");
    char v[32];
    CHECK(!xfe_read(&f, FE, "tx-ring-ref", v, sizeof(v)) && !strcmp(v, "9"), "xenbus_fe: and read back");
    CHECK_EQ(xfe_switch(&f, XenbusStateConnected), 0, "xenbus_fe: state switched");
    CHECK(!xfe_read(&f, FE, "state", v, sizeof(v)) && !strcmp(v, "4"), "xenbus_fe: state node is 4");
    CHECK_EQ(xfe_read(&f, FE, "tx-ring-ref", v, 1), -E2BIG,
             "xenbus_fe: a value longer than the buffer is -E2BIG");

    /* hostile toolstack values */
    struct {
        const char *node, *val, *why;
        int rc;
    } bad[] = {
        { FE "/backend-id", "abc", FE "/backend-id: 'abc' is not a number 0-32751", -EINVAL },
        { FE "/backend-id", "", FE "/backend-id: '' is not a number 0-32751", -EINVAL },
        { FE "/backend-id", "99999999999999999999999",
          FE "/backend-id: '99999999999999999999999' is not a number 0-32751", -EINVAL },
        { FE "/backend-id", "999999999999999999999999", FE "/backend-id: value of 24 bytes is too long",
          -E2BIG },
        { FE "/backend-id", "32752", FE "/backend-id: '32752' is not a number 0-32751", -EINVAL },
        { FE "/backend-id", "2x", FE "/backend-id: '2x' is not a number 0-32751", -EINVAL },
        { FE "/backend-id", "7", FE "/backend-id: 7 is this domain", -EINVAL },
        { FE "/backend", "/local/domain/0/control", FE "/backend: '/local/domain/0/control' is not " BE,
          -EINVAL },
        { FE "/backend", "/local/domain/2/backend/vif/8/0",
          FE "/backend: '/local/domain/2/backend/vif/8/0' is not " BE, -EINVAL },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        good_nodes();
        put(bad[i].node, bad[i].val);
        int rc = open7(&f);
        CHECK_MSG(rc == bad[i].rc && !strcmp(f.err, bad[i].why), bad[i].why, "rc %d, err '%s'", rc, f.err);
    }
    good_nodes();
    char longv[300];
    memset(longv, 'a', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = 0;
    put(FE "/backend", longv);
    CHECK_EQ(open7(&f), -E2BIG, "xenbus_fe: a 299-byte backend path is refused");
    xsc_rm(xs, "/local/domain/7");
    CHECK_EQ(open7(&f), -ENOENT, "xenbus_fe: no device directory: -ENOENT");
    CHECK(!strcmp(f.err, FE "/backend-id: cannot be read (-2)"), "xenbus_fe: and says which node");

    /* the mac node */
    good_nodes();
    open7(&f);
    uint8_t mac[6];
    put(FE "/mac", "00:16:3E:00:01:0f");
    CHECK(!xfe_read_mac(&f, mac) && mac[2] == 0x3e && mac[5] == 0x0f, "xenbus_fe: a MAC read (either case)");
    const char *badmac[] = { "01:16:3e:00:01:0f", "00:16:3e:00:01",    "00:16:3e:00:01:0f:",
                             "00-16-3e-00-01-0f", "00:16:3e:zz:01:0f", "",
                             "0:16:3e:00:01:0f" };
    for (size_t i = 0; i < sizeof(badmac) / sizeof(badmac[0]); i++) {
        char want[160];
        put(FE "/mac", badmac[i]);
        snprintf(want, sizeof(want), FE "/mac: '%s' is not a unicast MAC xx:xx:xx:xx:xx:xx", badmac[i]);
        int rc = xfe_read_mac(&f, mac);
        CHECK_MSG(rc == -EINVAL && !strcmp(f.err, want), want, "rc %d, err '%s'", rc, f.err);
    }
    xsc_rm(xs, FE "/mac");
    CHECK_EQ(xfe_read_mac(&f, mac), -ENOENT, "xenbus_fe: no mac node: -ENOENT");

    /* the backend's state */
    good_nodes();
    open7(&f);
    put(BE "/state", "6");
    put(BE "/hotplug-error", "mac missing or not a unicast xx:xx:xx:xx:xx:xx");
    CHECK_EQ(xfe_wait_backend(&f, XenbusStateConnected, 2000), -ENODEV,
             "xenbus_fe: a Closed backend is -ENODEV");
    CHECK_MSG(!strcmp(f.err, "backend " BE " is Closed (mac missing or not a unicast xx:xx:xx:xx:xx:xx)"),
              "xenbus_fe: with the backend's hotplug-error", "err '%s'", f.err);
    put(BE "/state", "5");
    xsc_rm(xs, BE "/hotplug-error");
    CHECK_EQ(xfe_wait_backend(&f, XenbusStateConnected, 2000), -ENODEV,
             "xenbus_fe: a Closing backend is -ENODEV");
    CHECK_MSG(!strcmp(f.err, "backend " BE " is Closing (no hotplug-error)"),
              "xenbus_fe: without a hotplug-error", "err '%s'", f.err);
    put(BE "/state", "connected");
    CHECK_EQ(xfe_wait_backend(&f, XenbusStateConnected, 2000), -EINVAL,
             "xenbus_fe: a state that is not a number");
    put(BE "/state", "99");
    CHECK_EQ(xfe_wait_backend(&f, XenbusStateConnected, 2000), -EINVAL,
             "xenbus_fe: a state past Reconfigured");
    put(BE "/state", "2");
    CHECK_EQ(xfe_wait_backend(&f, XenbusStateConnected, 300), -ETIMEDOUT,
             "xenbus_fe: a backend that never connects");
    CHECK_MSG(!strcmp(f.err, "backend " BE ": state 2, not 4 after 300 ms"),
              "xenbus_fe: times out with its state", "err '%s'", f.err);
    xsc_free(xs);
    xsd_stop(&s);
}

/* disk = [ ... ] to xenstore vbd nodes (mgr/mgr_vbd.c): Xen's device
 * numbers, spec forms, and the nodes in the order and with the permissions
 * libxl gives them. */
#include "unit.h"
#include "mgr/mgr_vbd.h"

void test_vbd(void)
{
    CHECK(mgr_vbd_devid("xvda") == 51712, "xvda is 51712");
    CHECK(mgr_vbd_devid("xvdb") == 51728, "xvdb is 51728");
    CHECK(mgr_vbd_devid("xvda1") == 51713, "xvda1 is 51713");
    CHECK(mgr_vbd_devid("xvdq") == ((1L << 28) | (16 << 8)), "xvdq takes the extended form");
    CHECK(mgr_vbd_devid("xvdaa") == ((1L << 28) | (26 << 8)), "xvdaa is disk 26 (extended)");
    CHECK(mgr_vbd_devid("sdb") == ((8 << 8) | 16), "sdb is 8:16");
    CHECK(mgr_vbd_devid("hdc") == (22 << 8), "hdc is 22:0");
    CHECK(mgr_vbd_devid("hde") == -1 && mgr_vbd_devid("xvd") == -1 && mgr_vbd_devid("xvda0") == -1 &&
              mgr_vbd_devid("vda") == -1 && mgr_vbd_devid("xvdA") == -1,
          "hde, xvd, xvda0, vda, xvdA: no number");

    struct mgr_vbd v;
    CHECK(!mgr_vbd_parse("vdev=xvda, access=rw, target=data", &v) && !strcmp(v.target, "data") &&
              !strcmp(v.vdev, "xvda") && v.rw && v.devid == 51712 && !strcmp(v.backend, "blkback"),
          "keyed spec: target data, xvda, rw, backend blkback by default");
    CHECK(!mgr_vbd_parse("data2,raw,xvdb,r", &v) && !strcmp(v.target, "data2") && !strcmp(v.vdev, "xvdb") &&
              !v.rw,
          "positional spec: target, format, vdev, access r");
    CHECK(!mgr_vbd_parse("target=x, vdev=xvdc, access=ro, backend=disks", &v) && !v.rw &&
              !strcmp(v.backend, "disks"),
          "access=ro and backend=disks");
    CHECK(mgr_vbd_parse("vdev=xvda, access=rw", &v) == -1, "no target: refused");
    CHECK(mgr_vbd_parse("target=data, vdev=hdz", &v) == -1, "a vdev Xen cannot number: refused");

    mgr_vbd_parse("vdev=xvda, access=rw, target=data", &v);
    struct mgr_vbd_node n[24];
    int k = mgr_vbd_nodes(&v, 5, 3, n, 24);
    CHECK(k == 18, "18 nodes (%d)", k);
    CHECK_STR(n[0].path, "/local/domain/5/device/vbd/51712", "frontend directory first");
    CHECK(n[0].dir && n[0].owner == 5 && n[0].reader == 3 && !n[0].keep,
          "owned by the frontend, readable by the backend");
    CHECK_STR(n[1].val, "/local/domain/3/backend/vbd/5/51712", "frontend's backend node");
    CHECK_STR(n[2].path, "/local/domain/5/device/vbd/51712/backend-id", "backend-id");
    CHECK_STR(n[2].val, "3", "backend-id value");
    CHECK_STR(n[3].val, "51712", "virtual-device");
    CHECK_STR(n[5].path, "/local/domain/5/device/vbd/51712/state", "frontend state");
    CHECK_STR(n[5].val, "1", "frontend state Initialising");
    CHECK(n[6].dir && n[6].owner == 3 && n[6].reader == 5 && n[6].keep,
          "backend directory writable by the backend (kept by the builder), readable by the frontend");
    CHECK_STR(n[6].path, "/local/domain/3/backend/vbd/5/51712", "backend directory");
    CHECK_STR(n[8].val, "data", "params names the vbd");
    CHECK_STR(n[9].val, "w", "mode w");
    CHECK_STR(n[10].val, "xvda", "dev");
    CHECK_STR(n[17].path, "/local/domain/3/backend/vbd/5/51712/frontend-id", "frontend-id last");
    CHECK_STR(n[17].val, "5", "frontend-id value");
    CHECK(mgr_vbd_nodes(&v, 5, 3, n, 4) == 4, "at most max nodes");
    mgr_vbd_parse("data,xvdb,r", &v);
    mgr_vbd_nodes(&v, 5, 3, n, 24);
    CHECK_STR(n[9].val, "r", "read-only: mode r");
}

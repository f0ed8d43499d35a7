/* vif = [ ... ] to xenstore vif nodes (mgr/mgr_vif.c): xl's rate syntax to
 * Xen's credit per interval, the default MAC and backend, the nodes libxl
 * writes (frontend and backend directories with their owners, frontend-id
 * last, optional nodes only when given). */
#include "unit.h"
#include "mgr/mgr_vif.h"

void test_vif(void)
{
    uint64_t b;
    uint32_t us;
    CHECK(!mgr_vif_rate("10MB/s", &b, &us) && b == 500000 && us == 50000, "10MB/s: 500000 bytes per 50 ms");
    CHECK(!mgr_vif_rate("8Mb/s@20ms", &b, &us) && b == 20000 && us == 20000,
          "8Mb/s@20ms: 20000 bytes per 20 ms");
    CHECK(!mgr_vif_rate("1GB/s@1s", &b, &us) && b == 1000000000 && us == 1000000, "1GB/s@1s");
    CHECK(!mgr_vif_rate("100KB/s@500us", &b, &us) && b == 50 && us == 500,
          "100KB/s@500us: 50 bytes per 500 us");
    CHECK(mgr_vif_rate("10MB", &b, &us) == -1 && mgr_vif_rate("10MB/m", &b, &us) == -1 &&
              mgr_vif_rate("MB/s", &b, &us) == -1 && mgr_vif_rate("0MB/s", &b, &us) == -1 &&
              mgr_vif_rate("10XB/s", &b, &us) == -1 && mgr_vif_rate("10MB/s@", &b, &us) == -1 &&
              mgr_vif_rate("10MB/s@5h", &b, &us) == -1 && mgr_vif_rate("10MB/s@0ms", &b, &us) == -1 &&
              mgr_vif_rate("1B/s@1us", &b, &us) == -1 && mgr_vif_rate("100GB/s@11s", &b, &us) == -1,
          "rate refusals: no /s, per minute, no number, zero, bad unit, empty or bad interval, under a byte, "
          "huge");
    struct mgr_vif v;
    CHECK(!mgr_vif_parse("mac=00:16:3E:AA:00:01, ip=10.0.0.1, rate=10MB/s", 5, 0, &v) &&
              !strcmp(v.mac, "00:16:3e:aa:00:01") && !strcmp(v.ip, "10.0.0.1") &&
              !strcmp(v.rate, "500000,50000") && !strcmp(v.backend, "netback") && v.devid == 0,
          "vif spec: mac (lower case), ip, rate, default backend netback");
    CHECK(!mgr_vif_parse("bridge=xenbr0,backend=net2", 300, 2, &v) && !strcmp(v.mac, "00:16:3e:01:2c:02") &&
              !strcmp(v.backend, "net2") && !strcmp(v.bridge, "xenbr0") && !v.ip[0] && !v.rate[0],
          "default MAC from domid 300 and devid 2; backend=");
    CHECK(mgr_vif_parse("rate=fast", 5, 0, &v) == -1, "a bad rate refuses the vif");
    CHECK(!mgr_vif_parse("rate=1MB/s, rx-rate=2MB/s@10ms, rate-pps=2000, rx-rate-pps=4294967296", 5, 0, &v) &&
              !strcmp(v.rate, "50000,50000") && !strcmp(v.rx_rate, "20000,10000") && !strcmp(v.pps, "2000") &&
              !strcmp(v.rx_pps, "4294967296"),
          "rx-rate, rate-pps and rx-rate-pps (netback's limits beyond xl's rate)");
    CHECK(mgr_vif_parse("rx-rate=fast", 5, 0, &v) == -1 && mgr_vif_parse("rate-pps=0", 5, 0, &v) == -1 &&
              mgr_vif_parse("rx-rate-pps=4294967297", 5, 0, &v) == -1 &&
              mgr_vif_parse("rate-pps=1k", 5, 0, &v) == -1 && mgr_vif_parse("rate-pps=-5", 5, 0, &v) == -1,
          "rx-rate and packets/s refusals: not a rate, zero, over 2^32, a unit, negative");
    {
        struct mgr_vbd_node m[24];
        mgr_vif_parse("mac=00:16:3e:00:00:05,rx-rate=1MB/s,rx-rate-pps=100", 5, 0, &v);
        int km = mgr_vif_nodes(&v, 5, 2, m, 24);
        CHECK(km == 16 && !strcmp(m[11].path, "/local/domain/2/backend/vif/5/0/rx-rate") &&
                  !strcmp(m[11].val, "50000,50000") &&
                  !strcmp(m[12].path, "/local/domain/2/backend/vif/5/0/rx-rate-pps") &&
                  !strcmp(m[12].val, "100"),
              "rx-rate and rx-rate-pps nodes in the backend directory (%d)", km);
    }
    struct mgr_vbd_node n[24];
    mgr_vif_parse("mac=00:16:3e:00:00:05,ip=10.0.0.5 fd00::5,rate=1MB/s", 5, 1, &v);
    int k = mgr_vif_nodes(&v, 5, 2, n, 24);
    CHECK(k == 16, "16 nodes with ip and rate, no bridge (%d)", k);
    CHECK_STR(n[0].path, "/local/domain/5/device/vif/1", "frontend directory first");
    CHECK(n[0].dir && n[0].owner == 5 && n[0].reader == 2, "owned by the frontend, readable by the backend");
    CHECK_STR(n[1].val, "/local/domain/2/backend/vif/5/1", "frontend's backend node");
    CHECK_STR(n[2].val, "2", "backend-id");
    CHECK_STR(n[3].path, "/local/domain/5/device/vif/1/handle", "frontend handle");
    CHECK_STR(n[4].val, "00:16:3e:00:00:05", "frontend mac (netfront reads it there)");
    CHECK_STR(n[6].path, "/local/domain/2/backend/vif/5/1", "backend directory");
    CHECK(n[6].dir && n[6].owner == 2 && n[6].reader == 5 && n[6].keep,
          "writable by the backend (kept by the builder), readable by the frontend");
    CHECK_STR(n[11].path, "/local/domain/2/backend/vif/5/1/ip", "ip node");
    CHECK_STR(n[11].val, "10.0.0.5 fd00::5", "ip value");
    CHECK_STR(n[12].val, "50000,50000", "rate value: 1MB/s is 50000 bytes per 50 ms");
    CHECK_STR(n[15].path, "/local/domain/2/backend/vif/5/1/frontend-id", "frontend-id last");
    CHECK_STR(n[15].val, "5", "frontend-id value");
    /* Tessera's VFR keys: to the backend as netback reads them */
    CHECK(!mgr_vif_parse("rx-rate=1MB/s, rate-pps=1000, rx-rate-pps=2000, antispoof=0", 5, 0, &v) &&
              !strcmp(v.rx_rate, "50000,50000") && !strcmp(v.pps, "1000") && !strcmp(v.rx_pps, "2000") &&
              !strcmp(v.antispoof, "0") && !v.rate[0],
          "rx-rate, rate-pps, rx-rate-pps, antispoof");
    k = mgr_vif_nodes(&v, 5, 2, n, 24);
    CHECK(k == 18 && !strcmp(n[11].path, "/local/domain/2/backend/vif/5/0/rx-rate") &&
              !strcmp(n[12].path, "/local/domain/2/backend/vif/5/0/rate-pps") && !strcmp(n[12].val, "1000") &&
              !strcmp(n[14].path, "/local/domain/2/backend/vif/5/0/antispoof") && !strcmp(n[14].val, "0"),
          "their backend nodes (%d)", k);
    CHECK(mgr_vif_parse("rx-rate=fast", 5, 0, &v) == -1, "a bad rx-rate refuses the vif");
    CHECK(mgr_vif_nodes(&v, 5, 2, n, 3) == 3, "at most max nodes");
}

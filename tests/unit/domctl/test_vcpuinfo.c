/* xl vcpu-list's hypercalls (getvcpuinfo, getvcpuaffinity), createdomain's
 * limits (max_evtchn_port, max_grant_frames), and xl dmesg's console ring
 * (XEN_SYSCTL_readconsole's clear / incremental / index rules). */
#include "dtest.h"
#include "console.h"
#include <xen/sysctl.h>

static struct xen_domctl dc;

static long domctl(uint32_t cmd, domid_t dom)
{
    dc.cmd = cmd;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = dom;
    return do_domctl((uint64_t)&dc, 0, 0, 0, 0);
}

static int32_t maptrack_frames; /* the next create's */

static long create(uint32_t max_port, int32_t max_frames)
{
    memset(&dc.u, 0, sizeof(dc.u));
    dc.u.createdomain.max_maptrack_frames = maptrack_frames;
    dc.u.createdomain.max_vcpus = 2;
    dc.u.createdomain.max_evtchn_port = max_port;
    dc.u.createdomain.max_grant_frames = max_frames;
    long rc = domctl(XEN_DOMCTL_createdomain, 0);
    return rc ? rc : dc.domain;
}

static void test_limits(void)
{
    fake_reset();
    fake_guest_map(&dc, sizeof(dc), true);
    last_max_port = last_max_frames = 0;
    CHECK_EQ(create(1023, 0), -EINVAL, "createdomain: max_grant_frames 0 refused (Xen: grant_table_init)");
    CHECK_EQ(create(1023, 33), -EINVAL, "createdomain: max_grant_frames above 32 refused");
    CHECK(!domain_lookup(1) && !last_max_frames, "createdomain: refused limits created nothing");
    CHECK_EQ(create(63, 4), 1, "createdomain: limits 63 ports, 4 frames");
    CHECK(last_max_port == 63 && last_max_frames == 4, "createdomain: limits applied");
    CHECK_EQ(create(4095, -1), 2, "createdomain: max_grant_frames -1");
    CHECK_EQ(last_max_frames, 32, "createdomain: -1 is the default (32)");
    maptrack_frames = 1025;
    CHECK_EQ(create(63, 4), -EINVAL,
             "createdomain: max_maptrack_frames above 1024 refused (Xen: grant_table_init)");
    maptrack_frames = -1;
    CHECK(create(63, 4) == 3 && last_max_maptrack == 1024,
          "createdomain: max_maptrack_frames -1 is the default (1024)");
    maptrack_frames = 0;
    CHECK(create(63, 4) == 4 && last_max_maptrack == 0, "createdomain: max_maptrack_frames 0 (no mappings)");
    maptrack_frames = 7;
    CHECK(create(63, 4) == 5 && last_max_maptrack == 7, "createdomain: max_maptrack_frames 7 applied");
    maptrack_frames = 0;
    CHECK_EQ(domctl(70, 1), -ENOSYS, "set_max_evtchn (70): gone in Xen 4.17 (moved into createdomain)");
}

static void test_info(void)
{
    static uint8_t hard[16], soft[16];
    fake_reset();
    fake_guest_map(&dc, sizeof(dc), true);
    fake_guest_map(hard, sizeof(hard), true);
    fake_guest_map(soft, sizeof(soft), true);
    CHECK_EQ(create(1023, 32), 1, "vcpuinfo: a domain with 2 vCPUs");
    struct domain *d = domain_lookup(1);
    d->vcpu[0]->online = true;
    d->vcpu[0]->sched.runstate = RUNSTATE_running;
    d->vcpu[0]->sched.time[RUNSTATE_running] = 1500000000;
    d->vcpu[0]->sched.cpu = 1;
    d->vcpu[1]->blocked = true;
    dc.u.getvcpuinfo.vcpu = 0;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 1), 0, "getvcpuinfo: vCPU 0");
    struct xen_domctl_getvcpuinfo *vi = &dc.u.getvcpuinfo;
    CHECK(vi->online && vi->running && !vi->blocked && vi->cpu == 1 && vi->cpu_time == 1500000000,
          "getvcpuinfo: online, running, pCPU, CPU time");
    dc.u.getvcpuinfo.vcpu = 1;
    CHECK(!domctl(XEN_DOMCTL_getvcpuinfo, 1) && !vi->online && vi->blocked && !vi->running,
          "getvcpuinfo: vCPU 1 offline, blocked");
    dc.u.getvcpuinfo.vcpu = 2;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 1), -EINVAL, "getvcpuinfo: vCPU beyond max_vcpus");
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 9), -ESRCH, "getvcpuinfo: no such domain");
    dc.u.getvcpuinfo.vcpu = 0;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 0), 0, "getvcpuinfo: the caller itself (as getdomaininfo)");
    domain_lookup(1)->parent = 5;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuinfo, 1), -EPERM, "getvcpuinfo: another builder's domain");
    domain_lookup(1)->parent = 0;

    memset(&dc.u, 0, sizeof(dc.u));
    memset(hard, 0xee, sizeof(hard));
    memset(soft, 0xee, sizeof(soft));
    dc.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
    set_xen_guest_handle(dc.u.vcpuaffinity.cpumap_hard.bitmap, hard);
    dc.u.vcpuaffinity.cpumap_hard.nr_bits = 24;
    set_xen_guest_handle(dc.u.vcpuaffinity.cpumap_soft.bitmap, soft);
    dc.u.vcpuaffinity.cpumap_soft.nr_bits = 8;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuaffinity, 1), 0, "getvcpuaffinity: hard and soft");
    CHECK(hard[0] == 3 && hard[1] == 0 && hard[2] == 0 && hard[3] == 0xee && soft[0] == 3 && soft[1] == 0xee,
          "getvcpuaffinity: every pCPU of 2, the caller's further bytes zeroed, none beyond nr_bits");
    d->vcpu[0]->sched.affinity = 2;
    CHECK(!domctl(XEN_DOMCTL_getvcpuaffinity, 1) && hard[0] == 2,
          "getvcpuaffinity: the scheduler's hard affinity");
    dc.u.vcpuaffinity.flags = 0;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuaffinity, 1), -EINVAL, "getvcpuaffinity: no flags");
    dc.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_SOFT;
    set_xen_guest_handle(dc.u.vcpuaffinity.cpumap_soft.bitmap, NULL);
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuaffinity, 1), -EINVAL, "getvcpuaffinity: a NULL map asked for");
    set_xen_guest_handle(dc.u.vcpuaffinity.cpumap_soft.bitmap, (uint8_t *)0x1000);
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuaffinity, 1), -EFAULT, "getvcpuaffinity: an unmapped map");
    dc.u.vcpuaffinity.vcpu = 2;
    dc.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    CHECK_EQ(domctl(XEN_DOMCTL_getvcpuaffinity, 1), -EINVAL, "getvcpuaffinity: vCPU beyond max_vcpus");
}

static struct xen_sysctl_readconsole rc_op;
static char rbuf[20000];

static long rd(int clear, int incremental, uint32_t index, uint32_t count)
{
    memset(rbuf, 0, sizeof(rbuf));
    rc_op = (struct xen_sysctl_readconsole){
        .clear = (uint8_t)clear, .incremental = (uint8_t)incremental, .index = index, .count = count
    };
    set_xen_guest_handle(rc_op.buffer, rbuf);
    return conring_read(&rc_op);
}

void test_conring(void)
{
    fake_guest_map(rbuf, sizeof(rbuf), true);
    conring_put("hello\n", 6);
    CHECK(!rd(0, 0, 0, 100) && rc_op.count == 6 && !strcmp(rbuf, "hello\n") && rc_op.index == 6,
          "readconsole: what was written, index after it");
    CHECK(!rd(0, 1, 2, 100) && rc_op.count == 4 && !strcmp(rbuf, "llo\n"),
          "readconsole: incremental from index 2");
    CHECK(!rd(0, 1, 6, 100) && rc_op.count == 0 && rc_op.index == 6,
          "readconsole: incremental at the end: nothing");
    CHECK(!rd(0, 1, 9, 100) && rc_op.count == 6,
          "readconsole: an index not held: from the oldest byte (Xen)");
    CHECK(!rd(0, 0, 0, 3) && rc_op.count == 3 && !strcmp(rbuf, "hel") && rc_op.index == 3,
          "readconsole: a short buffer, index where it stopped");
    CHECK(!rd(1, 1, 0, 3) && rc_op.count == 3, "readconsole: clear after 3 bytes");
    CHECK(!rd(0, 0, 0, 100) && !strcmp(rbuf, "lo\n"), "readconsole: clear forgot what was read");
    static char big[20000];
    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = 'y';
    conring_put(big, sizeof(big));
    CHECK(!rd(0, 0, 0, sizeof(rbuf)) && rc_op.count == 16384 && rbuf[16383] == 'y' && rbuf[0] == 'x',
          "readconsole: a full ring holds the last 16 KiB");
    CHECK(!rd(1, 0, 0, 100) && rc_op.count == 100, "readconsole: clear after a partial read");
    CHECK(!rd(0, 0, 0, sizeof(rbuf)) && rc_op.count == 16284, "readconsole: the rest is still there");
    CHECK(!rd(1, 0, 0, sizeof(rbuf)) && !rd(0, 0, 0, 100) && rc_op.count == 0, "readconsole: all cleared");
    rc_op = (struct xen_sysctl_readconsole){ .count = 10 };
    conring_put("z", 1);
    set_xen_guest_handle(rc_op.buffer, (char *)0x1000);
    CHECK_EQ(conring_read(&rc_op), -EFAULT, "readconsole: an unmapped buffer");
}

void test_vcpuinfo(void)
{
    test_limits();
    test_info();
}

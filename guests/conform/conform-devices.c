/* A driver domain in miniature: the first domain, given virtio-blk 00:04.0 with
 * dom0_pci=, under QEMU's Intel IOMMU (tests/suites/17-devices-vtd.sh).  It reads
 * config space through 0xCF8/0xCFC, maps the function's BARs, maps and binds its
 * MSI-X interrupt, and has the device read sector 0 into its own page (works),
 * into one of its page tables, into its shared-info page, into a frame it gave
 * back and into a page while it is pinned as a page table (blocked: the
 * hypervisor logs the DMA faults, memory unchanged; the page works again once
 * it is writable).
 * It tries config-space escapes (BAR move, MSI-X enable, another function) and
 * mappings it must not get.  A minimal virtio 1.x split-queue driver, because
 * the guest runtime has no virtio library. */
#include "lib.h"
#include "portio.h"

#define DEV_BDF                   0x20         /* 00:04.0 */
#define OTHER                     0x10         /* 00:02.0: QEMU's default NIC, not ours */
#define OTHER_BAR0                0xfeb80000ul /* where SeaBIOS puts its BAR0 on this machine */
#define VIRTIO_STATUS_ACK         1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40


static uint32_t cfg_read(unsigned bdf, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (bdf << 8) | (reg & 0xfc));
    return inl(0xcfc);
}

static void cfg_write(unsigned bdf, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (bdf << 8) | (reg & 0xfc));
    outl(0xcfc, v);
}

/* ---- the function ---- */
struct vcap {
    unsigned bar;
    uint32_t off, len;
};
static struct vcap common_cap, notify_cap, device_cap;
static uint32_t notify_mult;
static uint64_t bar_base[6];
static unsigned msix_bir;
static uint32_t msix_off;
static volatile uint8_t *bar_va[6]; /* first page of each mapped BAR */

struct virtio_common {
    uint32_t dfselect, df, gfselect, gf;
    uint16_t msix_config, num_queues;
    uint8_t status, config_generation;
    uint16_t q_select, q_size, q_msix_vector, q_enable, q_notify_off;
    uint32_t q_desc_lo, q_desc_hi, q_avail_lo, q_avail_hi, q_used_lo, q_used_hi;
};
static volatile struct virtio_common *cc;

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
#define QSZ 8
static uint8_t *ring; /* desc table, avail at 128, used at 512 */
static uint8_t *req;  /* header at 0, status byte at 64 */
static uint16_t avail_idx, used_seen;
static evtchn_port_t port;

static void read_caps(void)
{
    unsigned p = cfg_read(DEV_BDF, 0x34) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        uint32_t h = cfg_read(DEV_BDF, p);
        if ((h & 0xff) == 0x09) {
            struct vcap c = { cfg_read(DEV_BDF, p + 4) & 0xff, cfg_read(DEV_BDF, p + 8),
                              cfg_read(DEV_BDF, p + 12) };
            switch ((h >> 24) & 0xff) {
            case 1:
                common_cap = c;
                break;
            case 2:
                notify_cap = c;
                notify_mult = cfg_read(DEV_BDF, p + 16);
                break;
            case 4:
                device_cap = c;
                break;
            }
        } else if ((h & 0xff) == 0x11) {
            uint32_t t = cfg_read(DEV_BDF, p + 4);
            msix_bir = t & 7;
            msix_off = t & ~7u;
        }
        p = (h >> 8) & 0xfc;
    }
    for (unsigned i = 0; i < 6; i++) {
        uint32_t lo = cfg_read(DEV_BDF, 0x10 + 4 * i);
        if (lo & 1) continue;
        bar_base[i] = lo & ~0xfu;
        if (((lo >> 1) & 3) == 2 && i < 5) {
            bar_base[i] |= (uint64_t)cfg_read(DEV_BDF, 0x14 + 4 * i) << 32;
            i++;
        }
    }
}

/* Map `pages` frames of BAR b at fresh arena VAs (uncached); 0 or the error. */
static long map_bar(unsigned b, unsigned pages, bool writable, domid_t via)
{
    long rc = 0;
    for (unsigned i = 0; i < pages && !rc; i++) {
        uint8_t *va = alloc_page();
        uint64_t pte = (bar_base[b] + i * 4096) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_PCD | _PAGE_PWT |
                       (writable ? _PAGE_RW | _PAGE_DIRTY : 0);
        mmu_update_t u = { .ptr = pte_maddr((uint64_t)va), .val = pte };
        rc = HYPERVISOR_mmu_update(&u, 1, NULL, via);
        mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)va, 0); /* the RAM page alloc_page() touched */
        if (!rc && i == 0) bar_va[b] = va;
    }
    return rc;
}

static void *cap_ptr(const struct vcap *c) { return (void *)(bar_va[c->bar] + c->off); }

/* Reset and bring the device up with queue 0 on MSI-X entry 1 (a blocked DMA
 * leaves it needing a reset). */
static bool virtio_init(void)
{
    cc->status = 0;
    while (cc->status)
        ;
    cc->status = VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER;
    cc->gfselect = 1;
    cc->gf = 3; /* VERSION_1, ACCESS_PLATFORM */
    cc->gfselect = 0;
    cc->gf = 0;
    cc->status |= VIRTIO_STATUS_FEATURES_OK;
    if (!(cc->status & VIRTIO_STATUS_FEATURES_OK)) return false;
    cc->msix_config = 0xffff;
    cc->q_select = 0;
    cc->q_size = QSZ;
    cc->q_msix_vector = 1;
    if (cc->q_msix_vector != 1) return false;
    memset(ring, 0, 4096);
    uint64_t m = va_to_mfn(ring) << 12;
    cc->q_desc_lo = (uint32_t)m;
    cc->q_desc_hi = (uint32_t)(m >> 32);
    cc->q_avail_lo = (uint32_t)(m + 128);
    cc->q_avail_hi = (uint32_t)((m + 128) >> 32);
    cc->q_used_lo = (uint32_t)(m + 512);
    cc->q_used_hi = (uint32_t)((m + 512) >> 32);
    cc->q_enable = 1;
    cc->status |= VIRTIO_STATUS_DRIVER_OK;
    avail_idx = used_seen = 0;
    return true;
}

static bool port_pending(void) { return (shared->evtchn_pending[port / 64] >> (port % 64)) & 1; }

static void clear_port(void)
{
    __atomic_fetch_and(&shared->evtchn_pending[port / 64], ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

/* Ask for sector 0 into machine address `dst` (its first `split` bytes to
 * `first` instead, if split); 1 = completed with status 0, 0 = the device gave
 * up on it (needs a reset), -1 = neither in time. */
static int read_sector_split(uint64_t first, uint32_t split, uint64_t dst, bool wait_irq)
{
    struct desc *d = (struct desc *)ring;
    uint64_t rm = va_to_mfn(req) << 12;
    memset(req, 0, 128);
    req[64] = 0xff;
    d[0] = (struct desc){ rm, 16, 1, 1 };       /* header: type IN, sector 0 */
    d[1] = (struct desc){ dst, 512, 1 | 2, 2 }; /* data, device-writable */
    d[2] = (struct desc){ rm + 64, 1, 2, 0 };   /* status */
    if (split) {
        d[1] = (struct desc){ first, split, 1 | 2, 3 };
        d[3] = (struct desc){ dst, 512 - split, 1 | 2, 2 };
    }
    volatile uint16_t *avail = (uint16_t *)(ring + 128), *used_idx = (uint16_t *)(ring + 514);
    avail[2 + avail_idx % QSZ] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    avail[1] = ++avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    clear_port();
    *(volatile uint16_t *)((uint8_t *)cap_ptr(&notify_cap) + cc->q_notify_off * notify_mult) = 0;
    if (wait_irq) {
        sched_poll_t poll = { .nr_ports = 1, .timeout = vcpu0->time.system_time + 10000000000ULL };
        set_xen_guest_handle(poll.ports, &port);
        while (!port_pending() && HYPERVISOR_sched_op(SCHEDOP_poll, &poll) == 0 &&
               vcpu0->time.system_time < poll.timeout)
            ;
    }
    for (unsigned i = 0; i < 2000000; i++) {
        if (*used_idx != used_seen) {
            used_seen = *used_idx;
            return req[64] == 0 ? 1 : -1;
        }
        if (cc->status & VIRTIO_STATUS_NEEDS_RESET) return 0;
        if (i % 1000 == 999) HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return -1;
}

static int read_sector(uint64_t dst, bool wait_irq) { return read_sector_split(0, 0, dst, wait_irq); }

static bool sector_ok(const uint8_t *p)
{
    if (memcmp(p, "TESSERA-DEVTEST!", 16)) return false;
    for (unsigned i = 16; i < 512; i++)
        if (p[i] != (uint8_t)(i * 7)) return false;
    return true;
}

/* Blocked DMA into frame `mfn` (readable at `view`, or NULL): QEMU completes the
 * request (its write goes nowhere), the bytes stay as they were, and the log
 * must show the fault. */
static void blocked(const char *what, uint64_t mfn, const uint8_t *view)
{
    static uint8_t before[512];
    if (view) memcpy(before, view, 512);
    printf("# expect-dma-fault %lx\n", (unsigned long)(mfn << 12));
    CHECK_EQ(what, read_sector(mfn << 12, true), 1);
    if (view) CHECK("  ... memory unchanged", memcmp(before, view, 512) == 0);
}

void test_main(void)
{
    struct physdev_set_iopl iopl = { .iopl = 1 };
    CHECK_EQ("set_iopl 1", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);

    section("config space through 0xCF8/0xCFC");
    CHECK_EQ("own function: virtio-blk 1af4:1042", cfg_read(DEV_BDF, 0), 0x10421af4);
    CHECK_EQ("another function reads all ones", cfg_read(OTHER, 0), 0xffffffff);
    CHECK_EQ("the host bridge reads all ones", cfg_read(0, 0), 0xffffffff);
    read_caps();
    CHECK("virtio common, notify and device capabilities",
          common_cap.len && notify_cap.len && device_cap.len);
    CHECK("a 64-bit memory BAR", bar_base[common_cap.bar] != 0);
    unsigned breg = 0x10 + 4 * common_cap.bar;
    uint32_t orig = cfg_read(DEV_BDF, breg);
    cfg_write(DEV_BDF, breg, 0xffffffff);
    uint32_t mask = cfg_read(DEV_BDF, breg);
    cfg_write(DEV_BDF, breg, orig);
    CHECK_EQ("BAR sizing reads the size mask (16 KiB)", mask, 0xffffc000u | (orig & 0xf));
    CHECK_EQ("BAR reads its address after sizing", cfg_read(DEV_BDF, breg), orig);
    cfg_write(DEV_BDF, breg, 0x00100000 | (orig & 0xf));
    CHECK_EQ("escape: BAR move onto RAM refused", cfg_read(DEV_BDF, breg), orig);
    unsigned mcap = 0;
    for (unsigned p = cfg_read(DEV_BDF, 0x34) & 0xfc; p >= 0x40; p = (cfg_read(DEV_BDF, p) >> 8) & 0xfc)
        if ((cfg_read(DEV_BDF, p) & 0xff) == 0x11) mcap = p;
    uint32_t mc = cfg_read(DEV_BDF, mcap);
    cfg_write(DEV_BDF, mcap, mc | 0x80000000u);
    CHECK_EQ("escape: MSI-X enable by the domain refused", cfg_read(DEV_BDF, mcap), mc);
    cfg_write(DEV_BDF, mcap + 4, 0);
    CHECK("escape: MSI-X table offset unchanged", (cfg_read(DEV_BDF, mcap + 4) & ~7u) == msix_off);
    cfg_write(OTHER, 4, 0x0007);
    CHECK_EQ("escape: another function's command (still all ones)", cfg_read(OTHER, 4), 0xffffffff);
    uint32_t cmd = cfg_read(DEV_BDF, 4) & 0xffff;
    cfg_write(DEV_BDF, 4, cmd | 0x6);
    CHECK_EQ("own command: memory + bus master", cfg_read(DEV_BDF, 4) & 0x6, 0x6);

    section("BAR frames");
    bar_base[0] = OTHER_BAR0;
    CHECK_EQ("map another function's BAR: -EPERM", map_bar(0, 1, false, DOMID_SELF), -XEN_EPERM);
    bar_base[0] = 0;
    uint64_t save = bar_base[msix_bir];
    CHECK_EQ("MSI-X table page writable: -EPERM", map_bar(msix_bir, 1, true, DOMID_SELF), -XEN_EPERM);
    CHECK_EQ("MSI-X table page read-only", map_bar(msix_bir, 1, false, DOMID_SELF), 0);
    volatile uint32_t *tbl = (volatile uint32_t *)(bar_va[msix_bir] + (msix_off & 0xfff));
    CHECK_EQ("escape: writing the MSI-X table faults",
             TRY_ASM("movl $0xfee00000, (%0)", ::"r"(tbl)
                     : "memory"),
             1);
    bar_base[msix_bir] = save;
    CHECK_EQ("map the virtio BAR (4 pages) via DOMID_IO", map_bar(common_cap.bar, 4, true, DOMID_IO), 0);
    cc = cap_ptr(&common_cap);
    CHECK("common config readable (queues)", cc->num_queues >= 1);

    section("MSI-X interrupt as an event channel");
    struct physdev_map_pirq mp = { .domid = DOMID_SELF,
                                   .type = MAP_PIRQ_TYPE_MSI_SEG,
                                   .index = -1,
                                   .pirq = -1,
                                   .bus = 0,
                                   .devfn = DEV_BDF,
                                   .entry_nr = 1,
                                   .table_base = bar_base[msix_bir] };
    struct physdev_map_pirq bad = mp;
    bad.devfn = OTHER;
    CHECK_EQ("map_pirq of another function: -EPERM", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &bad),
             -XEN_EPERM);
    bad = mp;
    bad.type = MAP_PIRQ_TYPE_GSI;
    CHECK_EQ("map_pirq GSI: -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &bad), -XEN_EINVAL);
    bad = mp;
    bad.entry_nr = 4096;
    CHECK_EQ("map_pirq MSI-X entry past the table: -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &bad),
             -XEN_EINVAL);
    CHECK_EQ("map_pirq MSI-X entry 1", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &mp), 0);
    CHECK("pirq allocated", mp.pirq >= 16);
    bad = mp;
    bad.index = bad.pirq = -1;
    CHECK_EQ("same entry again: -EEXIST", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &bad), -XEN_EEXIST);
    CHECK("MSI-X entry programmed by the core", tbl[4] != 0 && (tbl[7] & 1) == 0);
    struct evtchn_bind_pirq bp = { .pirq = (uint32_t)mp.pirq };
    CHECK_EQ("bind_pirq", HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &bp), 0);
    port = bp.port;
    struct physdev_irq_status_query q = { .irq = (uint32_t)mp.pirq };
    CHECK_EQ("irq_status_query", HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &q), 0);
    CHECK_EQ("MSI needs no EOI", q.flags, 0);
    struct physdev_eoi eoi = { .irq = (uint32_t)mp.pirq };
    CHECK_EQ("eoi", HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &eoi), 0);
    struct physdev_unmap_pirq up = { .domid = DOMID_SELF, .pirq = 200 };
    CHECK_EQ("unmap_pirq of an unmapped pirq: -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &up),
             -XEN_EINVAL);

    section("ISA interrupt line (GSI through the 8259) as an event channel");
    struct physdev_map_pirq g = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 16, .pirq = -1 };
    CHECK_EQ("map_pirq GSI 16 (no IOAPIC lines): -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g),
             -XEN_EINVAL);
    g.index = 3;
    g.pirq = 256;
    CHECK_EQ("map_pirq GSI 3 as pirq 256: -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g),
             -XEN_EINVAL);
    g.index = 4;
    g.pirq = -1;
    CHECK_EQ("map_pirq GSI 4 (the core's COM1): -EPERM", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g),
             -XEN_EPERM);
    g.index = 2;
    CHECK_EQ("map_pirq GSI 2 (the cascade): -EPERM", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g),
             -XEN_EPERM);
    g.index = 3;
    CHECK_EQ("map_pirq GSI 3", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g), 0);
    CHECK("GSI pirq allocated", g.pirq >= 16 && g.pirq < 256);
    struct physdev_map_pirq g2 = g;
    g2.pirq = -1;
    CHECK_EQ("GSI 3 again: -EEXIST", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g2), -XEN_EEXIST);
    g2.index = 5;
    g2.pirq = g.pirq;
    CHECK_EQ("GSI 5 as the pirq GSI 3 has: -EEXIST", HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &g2),
             -XEN_EEXIST);
    struct evtchn_bind_pirq gb = { .pirq = (uint32_t)g.pirq };
    CHECK_EQ("bind_pirq of the GSI", HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &gb), 0);
    struct physdev_irq_status_query gq = { .irq = (uint32_t)g.pirq };
    CHECK_EQ("irq_status_query of the GSI", HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &gq), 0);
    CHECK_EQ("an ISA line needs no EOI (the core acknowledges it)", gq.flags, 0);
    struct physdev_unmap_pirq gu = { .domid = DOMID_SELF, .pirq = g.pirq };
    CHECK_EQ("unmap_pirq of the GSI", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &gu), 0);
    CHECK_EQ("unmap_pirq of the GSI again: -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &gu),
             -XEN_EINVAL);
    struct evtchn_close gc = { .port = gb.port };
    CHECK_EQ("close its event channel", HYPERVISOR_event_channel_op(EVTCHNOP_close, &gc), 0);

    section("DMA");
    ring = alloc_page();
    req = alloc_page();
    uint8_t *data = alloc_page();
    CHECK("virtio device up (VERSION_1, ACCESS_PLATFORM)", virtio_init());
    CHECK_EQ("read sector 0 into its own page", read_sector(va_to_mfn(data) << 12, true), 1);
    CHECK("the MSI-X interrupt arrived on the event channel", port_pending());
    CHECK("the data is the image's sector 0", sector_ok(data));

    uint64_t l1_mfn = pte_maddr((uint64_t)data) >> 12;
    const uint8_t *l1_view = (const uint8_t *)((uint64_t)pte_ptr((uint64_t)data) & ~4095UL);
    blocked("DMA into its own L1 page table blocked", l1_mfn, l1_view);
    /* vcpu_info[0] (the first 64 bytes) changes under us: time, the pending port. */
    blocked("DMA into its shared-info page blocked", start_info->shared_info >> 12,
            (const uint8_t *)shared + 64);
    uint8_t *gone = alloc_page();
    uint64_t gone_mfn = va_to_mfn(gone);
    CHECK_EQ("unmap a page", HYPERVISOR_update_va_mapping((uint64_t)gone, 0, UVMF_INVLPG), 0);
    xen_pfn_t x = gone_mfn;
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, &x);
    CHECK_EQ("give the frame back", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
    blocked("DMA into a frame it does not own blocked", gone_mfn, NULL);

    /* The DMA table follows the page's type: pinned as an L1 it leaves, mapped
     * writable again (type writable) it comes back. */
    uint8_t *pt = alloc_page();
    CHECK_EQ("make a zeroed page read-only", set_page_ro(pt), 0);
    CHECK_EQ("pin it as an L1 table", mmuext_pin(1, pt), 0);
    blocked("DMA into a page just pinned as an L1 table blocked", va_to_mfn(pt), pt);
    CHECK_EQ("unpin it", mmuext_unpin(pt), 0);
    CHECK_EQ("map it writable again", set_page_rw(pt), 0);
    CHECK_EQ("DMA into it once writable again", read_sector(va_to_mfn(pt) << 12, true), 1);
    CHECK("  ... the data arrived", sector_ok(pt));

    memset(data, 0, 512);
    CHECK_EQ("the device still works for its own page", read_sector(va_to_mfn(data) << 12, true), 1);
    CHECK("data again", sector_ok(data));
    up.pirq = mp.pirq;
    CHECK_EQ("unmap_pirq", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &up), 0);
    CHECK("MSI-X entry masked again", (tbl[7] & 1) == 1);

    /* Forged interrupts: the device writes 16 bytes of the sector to the
     * interrupt address range in remappable format (0xFEE00010: handles 0 and
     * 0x8000, with and without subhandle).  With no remapping entry of its own
     * left, interrupt remapping drops them all.  (QEMU 7.2 passes
     * compatibility-format messages through whatever CFIS says, so those are
     * not tried here; see docs/devices.md.) */
    memset(data, 0, 512);
    CHECK_EQ("DMA of 16 bytes to 0xFEE00010 completes",
             read_sector_split(0xfee00010, 16, va_to_mfn(data) << 12, false), 1);
    CHECK("the rest of the sector arrived", !memcmp(data, "\x70\x77\x7e\x85", 4));
    CHECK("no event from the forged messages", !port_pending());
}

/* The hypervisor's own address space: the idle L4 with the reserved slots
 * 256-271 (read-only M2P for guests, per-pCPU GDT windows, the image, the direct
 * map of all RAM), the frame table and M2P allocation, and the free-frame pool. */
#include "mm.h"
#include "lib.h"
#include "arch.h"
#include "layout.h"
#include "bootinfo.h"
#include "flush.h"
#include "spinlock.h"
#include "apic.h"

#define HP_P    0x001UL
#define HP_RW   0x002UL
#define HP_US   0x004UL
#define HP_A    0x020UL
#define HP_D    0x040UL
#define HP_PS   0x080UL
#define HP_NX   (1UL << 63)
#define HP_ADDR 0x000FFFFFFFFFF000UL

extern char _end[];

uint64_t *idle_pg_table; /* the hypervisor's L4 (directmap view) */
static paddr_t balloc_next, balloc_end;
static bool directmap_live;
static uint64_t gdt_l1_phys[4]; /* L1s of the descriptor-table windows */

static void *phys_to_virt(paddr_t p) { return directmap_live ? (void *)(DIRECTMAP_START + p) : (void *)p; }

/* Boot allocator: zeroed, physically contiguous pages before the frame allocator exists. */
static bool frames_ready;

static paddr_t boot_alloc(size_t bytes)
{
    if (frames_ready) { /* after boot: page tables from the frame pool */
        ASSERT(bytes <= PAGE_SIZE);
        mfn_t m = frame_alloc();
        if (m == INVALID_MFN) panic("out of memory for hypervisor page tables");
        return m << PAGE_SHIFT;
    }
    bytes = ALIGN_UP(bytes, PAGE_SIZE);
    if (balloc_next + bytes > balloc_end) panic("boot allocator exhausted");
    paddr_t p = balloc_next;
    balloc_next += bytes;
    memset(phys_to_virt(p), 0, bytes);
    return p;
}

static uint64_t *table_at(paddr_t p) { return phys_to_virt(p); }

/* Return the table below entry e of table t, allocating it if absent. */
static paddr_t next_table(uint64_t *t, unsigned idx, uint64_t flags)
{
    if (!(t[idx] & HP_P)) t[idx] = boot_alloc(PAGE_SIZE) | flags;
    return t[idx] & HP_ADDR;
}

static void map_2m(uint64_t va, paddr_t pa, uint64_t flags)
{
    uint64_t *l4 = idle_pg_table;
    paddr_t l3 = next_table(l4, (va >> 39) & 511, HP_P | HP_RW);
    paddr_t l2 = next_table(table_at(l3), (va >> 30) & 511, HP_P | HP_RW);
    table_at(l2)[(va >> 21) & 511] = pa | flags | HP_PS;
}

static void map_4k(uint64_t va, paddr_t pa, uint64_t flags, uint64_t upper_flags)
{
    uint64_t *l4 = idle_pg_table;
    paddr_t l3 = next_table(l4, (va >> 39) & 511, upper_flags);
    paddr_t l2 = next_table(table_at(l3), (va >> 30) & 511, upper_flags);
    paddr_t l1 = next_table(table_at(l2), (va >> 21) & 511, upper_flags);
    table_at(l1)[(va >> 12) & 511] = pa | flags;
}

static paddr_t ram_end(void)
{
    paddr_t end = 0;
    for (unsigned i = 0; i < boot_info.nr_mem; i++)
        end = MAX(end, boot_info.mem[i].end);
    return end;
}

/* First free physical address: above the image, the modules and the 1 MiB legacy area. */
static void boot_alloc_init(void)
{
    paddr_t start = ALIGN_UP((paddr_t)_end - HV_IMAGE_VIRT, PAGE_SIZE);
    for (unsigned i = 0; i < boot_info.nr_mods; i++)
        start = MAX(start, ALIGN_UP(boot_info.mods[i].end, PAGE_SIZE));
    for (unsigned i = 0; i < boot_info.nr_mem; i++) {
        struct mem_region *r = &boot_info.mem[i];
        paddr_t s = MAX(start, ALIGN_UP(r->start, PAGE_SIZE));
        if (s < r->end && r->end - s >= (8UL << 20) && s < (1UL << 32)) {
            balloc_next = s;
            balloc_end = MIN(r->end, 1UL << 32);
            return;
        }
    }
    panic("no RAM above the image for the boot allocator");
}

void paging_init(void)
{
    boot_alloc_init();
    max_mfn = ram_end() >> PAGE_SHIFT;
    idle_pg_table = table_at(boot_alloc(PAGE_SIZE));

    /* Pre-create the L3 of every reserved slot so hv_l4e() never changes. */
    for (unsigned s = HV_L4_FIRST; s <= HV_L4_LAST; s++)
        next_table(idle_pg_table, s, HP_P | HP_RW | (s == 256 ? HP_US : 0));

    /* Image: phys 0..1 GiB at HV_IMAGE_VIRT, as the boot tables had it. */
    for (uint64_t off = 0; off < (1UL << 30); off += 1UL << 21)
        map_2m(HV_IMAGE_VIRT + off, off, HP_P | HP_RW | HP_A | HP_D);
    /* Direct map of every 2 MiB chunk that holds RAM. */
    for (unsigned i = 0; i < boot_info.nr_mem; i++)
        for (paddr_t p = ALIGN_DOWN(boot_info.mem[i].start, 1UL << 21); p < boot_info.mem[i].end;
             p += 1UL << 21)
            map_2m(DIRECTMAP_START + p, p, HP_P | HP_RW | HP_A | HP_D | HP_NX);
    /* Descriptor-table windows: L1s for 64 pCPUs x 32 pages, filled per vCPU at context switch. */
    for (unsigned i = 0; i < ARRAY_SIZE(gdt_l1_phys); i++) {
        map_4k(GDT_WINDOW_START + i * (2UL << 20), 0, 0, HP_P | HP_RW);
        uint64_t *l4 = idle_pg_table;
        uint64_t va = GDT_WINDOW_START + i * (2UL << 20);
        uint64_t *l3 = table_at(l4[(va >> 39) & 511] & HP_ADDR);
        uint64_t *l2 = table_at(l3[(va >> 30) & 511] & HP_ADDR);
        gdt_l1_phys[i] = l2[(va >> 21) & 511] & HP_ADDR;
    }

    /* Frame table and M2P, the M2P mapped read-only for guests at RO_MPT_VIRT_START. */
    frame_table = (void *)boot_alloc(max_mfn * sizeof(struct page_info));
    paddr_t m2p = boot_alloc(max_mfn * sizeof(uint64_t));
    for (uint64_t off = 0; off < max_mfn * sizeof(uint64_t); off += PAGE_SIZE)
        map_4k(RO_MPT_VIRT_START + off, m2p + off, HP_P | HP_US | HP_A | HP_NX, HP_P | HP_RW | HP_US);

    write_cr3((paddr_t)idle_pg_table);
    directmap_live = true;
    idle_pg_table = phys_to_virt((paddr_t)idle_pg_table);
    frame_table = phys_to_virt((paddr_t)frame_table);
    m2p_table = phys_to_virt(m2p);
    memset(m2p_table, 0xff, max_mfn * sizeof(uint64_t));
    for (mfn_t m = 0; m < max_mfn; m++)
        frame_table[m] = (struct page_info){ .owner = DOMID_NONE, .next = ~0u };
}

/* Hand every frame not used by the hypervisor, the boot modules or the boot
 * allocator to the frame allocator (kept in ascending order of allocation). */
void frames_init(void)
{
    frames_ready = true;
    for (unsigned i = boot_info.nr_mem; i-- > 0;) {
        struct mem_region *r = &boot_info.mem[i];
        paddr_t s = MAX(ALIGN_UP(r->start, PAGE_SIZE), balloc_next);
        paddr_t e = ALIGN_DOWN(r->end, PAGE_SIZE);
        if (s < e) frame_add_free_range(s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT);
    }
}

uint64_t hv_l4e(unsigned slot) { return idle_pg_table[slot]; }

/* Make [pa, pa+len) reachable through the direct map (ACPI tables, the LAPIC):
 * 2 MiB pages, uncached for device memory.  Only adds entries under the existing
 * slot-262+ L3s, so guest L4s see it without change. */
void *map_phys(paddr_t pa, size_t len, bool uncached)
{
    static spinlock_t lock = SPINLOCK_INIT;
    spin_lock(&lock);
    for (paddr_t p = ALIGN_DOWN(pa, 1UL << 21); p < pa + len; p += 1UL << 21) {
        uint64_t va = DIRECTMAP_START + p;
        uint64_t *l3 = table_at(idle_pg_table[(va >> 39) & 511] & HP_ADDR);
        paddr_t l2 = next_table(l3, (va >> 30) & 511, HP_P | HP_RW);
        if (!(table_at(l2)[(va >> 21) & 511] & HP_P))
            map_2m(va, p, HP_P | HP_RW | HP_A | HP_D | HP_NX | (uncached ? 0x18 : 0));
    }
    spin_unlock(&lock);
    return (void *)(DIRECTMAP_START + pa);
}

/* Map (or with mfn INVALID_MFN unmap) page `page` of pCPU `cpu`'s descriptor-table
 * window (GDT pages 0-15, LDT pages 16-31); an unchanged entry needs no flush. */
void gdt_window_set(unsigned cpu, unsigned page, mfn_t mfn)
{
    uint64_t idx = (uint64_t)cpu * DT_WINDOW_PAGES + page;
    uint64_t *l1 = phys_to_virt(gdt_l1_phys[idx / 512]);
    uint64_t e = mfn == INVALID_MFN ? 0 : (mfn << PAGE_SHIFT) | HP_P | HP_RW | HP_A | HP_D | HP_NX;
    if (l1[idx % 512] == e) return;
    l1[idx % 512] = e;
    invlpg(GDT_WINDOW(cpu) + page * PAGE_SIZE);
}

HOT_DATA static uint64_t tlb_clock, tlb_flushed[NR_CPUS];

HOT_PATH void load_cr3(uint64_t cr3)
{
    __atomic_store_n(&tlb_flushed[smp_processor_id()], __atomic_add_fetch(&tlb_clock, 1, __ATOMIC_SEQ_CST),
                     __ATOMIC_SEQ_CST);
    write_cr3(cr3);
}

/* A locked read: it also orders the caller's earlier table stores before it. */
uint64_t tlb_clock_now(void) { return __atomic_fetch_add(&tlb_clock, 0, __ATOMIC_SEQ_CST); }

bool tlb_flushed_since(unsigned cpu, uint64_t stamp)
{
    return __atomic_load_n(&tlb_flushed[cpu], __ATOMIC_SEQ_CST) > stamp;
}

void flush_tlb_local(void) { load_cr3(read_cr3()); }
void flush_tlb_one_local(uint64_t va) { invlpg(va); }

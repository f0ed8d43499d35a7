/* Finds the CPUs: RSDP (BIOS area scan), RSDT/XSDT, MADT local-APIC entries.
 * Without ACPI the boot CPU runs alone. */
#include "lib.h"
#include "apic.h"
#include "layout.h"

void *map_phys(paddr_t pa, size_t len, bool uncached);

unsigned nr_cpus = 1;
uint32_t cpu_apic_id[NR_CPUS];
paddr_t lapic_phys = 0xfee00000;
const void *acpi_dmar; /* the VT-d table, for iommu_vtd.c */

struct sdt {
    char sig[4];
    uint32_t len;
    uint8_t rev, csum;
    char oem[6], oemtab[8];
    uint32_t oemrev, crid, crrev;
} __attribute__((packed));

static bool checksum_ok(const void *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((const uint8_t *)p)[i];
    return s == 0;
}

static const uint8_t *find_rsdp(void)
{
    for (paddr_t p = 0xe0000; p < 0x100000; p += 16) {
        const uint8_t *r = (const uint8_t *)(DIRECTMAP_START + p);
        if (!memcmp(r, "RSD PTR ", 8) && checksum_ok(r, 20)) return r;
    }
    return NULL;
}

static const struct sdt *map_sdt(paddr_t pa)
{
    const struct sdt *h = map_phys(pa, sizeof(struct sdt), false);
    if (h->len < sizeof(*h) || h->len > (1u << 20)) return NULL;
    map_phys(pa, h->len, false);
    return checksum_ok(h, h->len) ? h : NULL;
}

static void parse_madt(const struct sdt *m)
{
    const uint8_t *p = (const uint8_t *)m + 44, *end = (const uint8_t *)m + m->len;
    lapic_phys = *(const uint32_t *)((const uint8_t *)m + 36);
    unsigned n = 0;
    for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
        if (p[0] == 0 && p[1] >= 8 && (*(const uint32_t *)(p + 4) & 1) && n < NR_CPUS)
            cpu_apic_id[n++] = p[3];
        else if (p[0] == 9 && p[1] >= 16 && (*(const uint32_t *)(p + 8) & 1) && n < NR_CPUS)
            cpu_apic_id[n++] = *(const uint32_t *)(p + 4);
        else if (p[0] == 5 && p[1] >= 12)
            lapic_phys = *(const uint64_t *)(p + 4);
    }
    if (n) nr_cpus = n;
}

void acpi_find_cpus(void)
{
    const uint8_t *rsdp = find_rsdp();
    if (!rsdp) {
        printk("tessera: no ACPI, one CPU\n");
        return;
    }
    bool x = rsdp[15] >= 2 && *(const uint64_t *)(rsdp + 24);
    const struct sdt *root = map_sdt(x ? *(const uint64_t *)(rsdp + 24) : *(const uint32_t *)(rsdp + 16));
    if (!root) return;
    unsigned esz = x ? 8 : 4, n = (root->len - sizeof(*root)) / esz;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = (const uint8_t *)(root + 1) + i * esz;
        paddr_t pa = x ? *(const uint64_t *)e : *(const uint32_t *)e;
        const struct sdt *t = map_sdt(pa);
        if (t && !memcmp(t->sig, "APIC", 4))
            parse_madt(t);
        else if (t && !memcmp(t->sig, "DMAR", 4))
            acpi_dmar = t;
    }
    printk("tessera: %u CPUs (ACPI MADT)\n", nr_cpus);
}

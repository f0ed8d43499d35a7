/* start_hv: the boot sequence from the long-mode entry to the first guest. */
#include "lib.h"
#include "arch.h"
#include "console.h"
#include "bootinfo.h"
#include "mm.h"
#include "domain.h"
#include "percpu.h"
#include "sched.h"
#include "time.h"
#include "apic.h"
#include "sched_policy.h"
#include "pci.h"

void paging_init(void);
void pic_disable(void);
struct domain *build_first_domain(void);

static void log_memory(void)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < boot_info.nr_mem; i++) {
        printk("tessera:   RAM %016lx-%016lx\n", boot_info.mem[i].start, boot_info.mem[i].end);
        total += boot_info.mem[i].end - boot_info.mem[i].start;
    }
    printk("tessera: %lu MiB RAM, %lu frames\n", total >> 20, max_mfn);
}

void start_hv(uint32_t magic, uint64_t info);
void start_hv(uint32_t magic, uint64_t info)
{
    serial_init();
    printk("\ntessera: booting\n");
    multiboot_parse(magic, info);
    debug_log = cmdline_has("debug");
    printk("tessera: loader %s, command line \"%s\"\n", boot_info.loader, boot_info.cmdline);
    paging_init();
    log_memory();
    frames_init();
    pic_disable();
    cpu_init(0);
    time_init();
    acpi_find_cpus();
    lapic_init();
    sp_init(nr_cpus);
    smp_boot_aps();
    pci_init();
    iommu_init();
    if (boot_info.mods_given > MAX_BOOT_MODULES)
        panic("%u boot modules given, at most %u are supported: remove %u from the boot "
              "configuration",
              boot_info.mods_given, MAX_BOOT_MODULES, boot_info.mods_given - MAX_BOOT_MODULES);
    for (unsigned i = 0; i < boot_info.nr_mods; i++)
        printk("tessera: module %u: %lx-%lx \"%s\"\n", i, boot_info.mods[i].start, boot_info.mods[i].end,
               boot_info.mods[i].cmdline);
    printk("tessera: free frames before domain 0: %lu\n", frames_free_count());
    build_first_domain();
    serial_enable_rx();
    sched_start();
}

/* The hypervisor's virtual memory layout: everything lives inside Xen's reserved
 * range 0xFFFF800000000000-0xFFFF87FFFFFFFFFF (L4 slots 256-271); guests own the rest. */
#ifndef TESSERA_LAYOUT_H
#define TESSERA_LAYOUT_H

#define GUEST_LOW_END 0x0000800000000000UL /* end of the lower canonical half */
#define HV_VIRT_START 0xFFFF800000000000UL
#define HV_VIRT_END   0xFFFF880000000000UL
#define HV_L4_FIRST   256
#define HV_L4_LAST    271

/* Slot 256: the guest-readable machine-to-phys table (read-only, user). */
#define RO_MPT_VIRT_START 0xFFFF800000000000UL
#define RO_MPT_VIRT_END   0xFFFF804000000000UL
/* Slot 260: per-pCPU descriptor-table windows of 32 pages: the GDT (14 pages of
 * the running vCPU's GDT frames, the pCPU's own page (entries 7168..7679), a
 * spare), then the LDT (16 pages = 8192 entries, the running vCPU's LDT pages as
 * they are mapped on first use; not present otherwise). */
#define GDT_WINDOW_START 0xFFFF820000000000UL
#define GDT_WINDOW_SIZE  (16UL * 4096)
#define LDT_WINDOW_SIZE  (16UL * 4096)
#define LDT_WINDOW_PAGE  16 /* the LDT's first page in a window */
#define DT_WINDOW_PAGES  32
#define GDT_WINDOW(cpu)  (GDT_WINDOW_START + (uint64_t)(cpu)*DT_WINDOW_PAGES * 4096)
#define LDT_WINDOW(cpu)  (GDT_WINDOW(cpu) + GDT_WINDOW_SIZE)
/* Slot 261: the hypervisor image (like Xen's XEN_VIRT_START). */
#define HV_IMAGE_VIRT 0xFFFF82D080000000UL
#define HV_IMAGE_PHYS 0x200000UL
/* Slots 262-271: direct map of all machine memory (supervisor only). */
#define DIRECTMAP_START 0xFFFF830000000000UL
#define DIRECTMAP_END   0xFFFF880000000000UL

/* Hypervisor selectors in the reserved GDT page (Xen's values). */
#define HV_CS  0xe008
#define HV_DS  0xe010
#define HV_TSS 0xe040
#define HV_LDT 0xe050 /* the pCPU's LDT descriptor (Xen's LDT_SELECTOR) */

#endif

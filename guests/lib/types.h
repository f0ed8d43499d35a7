/* Freestanding basics plus the Xen public headers the guests are written against. */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#include <xen/xen.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/callback.h>
#include <xen/vcpu.h>
#include <xen/features.h>
#include <xen/event_channel.h>
#include <xen/physdev.h>
#include <xen/errno.h>

#define PAGE_SIZE   4096UL
#define PAGE_SHIFT  12
#define VIRT_BASE   0xffffffff80000000UL

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_PWT      0x008UL
#define _PAGE_PCD      0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_GLOBAL   0x100UL
#define _PAGE_NX       (1UL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000UL

#endif

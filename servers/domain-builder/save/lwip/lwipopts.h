/* lwIP's configuration for the domain builder's migration link
 * (save/migrate_net.c, docs/migration.md): servers/lib's shared base (NO_SYS:
 * the builder's one thread pumps lwIP while a migration runs; IPv4, ARP, TCP)
 * with no UDP, one connection at a time; the heap is musl's malloc.  Windows
 * as large as TCP allows without window scaling: the link carries ~100 MB per
 * migration. */
#ifndef DB_LWIPOPTS_H
#define DB_LWIPOPTS_H

#include "lwipopts_base.h"

#define LWIP_UDP                   0
#define LWIP_DHCP                  0
#define LWIP_STATS                 0
#define IP_REASSEMBLY              0
#define IP_FRAG                    0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0

#define MEM_LIBC_MALLOC         1
#define MEMP_NUM_TCP_PCB        4
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG        256
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)
#define PBUF_POOL_SIZE          192

#define TCP_WND     (44 * TCP_MSS)
#define TCP_SND_BUF (44 * TCP_MSS)
#define SO_REUSE    1 /* listen again while the last connection is in TIME_WAIT */

#endif

/* lwIP's configuration for the lwIP guest (lwipopts.h, read by lwIP's opt.h):
 * servers/lib's shared base (NO_SYS: the guest's main loop calls into lwIP and
 * the timers; IPv4, ARP, ICMP, TCP) plus UDP and DHCP, fragments, statistics.
 * Memory is sized for a 4 MiB domain; docs/lwip.md has the budget. */
#ifndef LWIP_GUEST_LWIPOPTS_H
#define LWIP_GUEST_LWIPOPTS_H

#include "lwipopts_base.h"

#define LWIP_UDP                   1
#define LWIP_DHCP                  1
#define LWIP_DHCP_DOES_ACD_CHECK   0
#define DHCP_DOES_ARP_CHECK        0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1
#define LWIP_STATS                 1
#define LWIP_STATS_DISPLAY         0
#define IP_REASSEMBLY              1
#define IP_FRAG                    1

/* memory: lwIP's own heap (mem.c) also serves the guest's malloc */
#define MEM_SIZE                (192 * 1024)
#define MEMP_NUM_UDP_PCB        4
#define MEMP_NUM_TCP_PCB        32
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG        128
#define MEMP_NUM_REASSDATA      4
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define PBUF_POOL_SIZE          64

#define TCP_WND     (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)

#define CHECKSUM_GEN_IP     1
#define CHECKSUM_GEN_UDP    1
#define CHECKSUM_GEN_TCP    1
#define CHECKSUM_GEN_ICMP   1
#define CHECKSUM_CHECK_IP   1
#define CHECKSUM_CHECK_UDP  1
#define CHECKSUM_CHECK_TCP  1
#define CHECKSUM_CHECK_ICMP 1

#endif

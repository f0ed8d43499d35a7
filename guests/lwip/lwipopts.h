/* lwIP's configuration for the lwIP guest (lwipopts.h, read by lwIP's opt.h):
 * NO_SYS (one thread: the guest's main loop calls into lwIP and the timers),
 * IPv4 with ARP, ICMP, UDP (for DHCP), TCP and DHCP; no sockets, no netconn.
 * Memory is sized for a 4 MiB domain; docs/lwip.md has the budget. */
#ifndef LWIP_GUEST_LWIPOPTS_H
#define LWIP_GUEST_LWIPOPTS_H

#define NO_SYS                     1
#define SYS_LIGHTWEIGHT_PROT       0
#define LWIP_SOCKET                0
#define LWIP_NETCONN               0
#define LWIP_IPV4                  1
#define LWIP_IPV6                  0
#define LWIP_ARP                   1
#define LWIP_ETHERNET              1
#define LWIP_ICMP                  1
#define LWIP_RAW                   0
#define LWIP_UDP                   1
#define LWIP_TCP                   1
#define LWIP_DHCP                  1
#define LWIP_DHCP_DOES_ACD_CHECK   0
#define DHCP_DOES_ARP_CHECK        0
#define LWIP_AUTOIP                0
#define LWIP_IGMP                  0
#define LWIP_DNS                   0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1
#define LWIP_STATS                 1
#define LWIP_STATS_DISPLAY         0
#define IP_REASSEMBLY              1
#define IP_FRAG                    1
#define ETH_PAD_SIZE               0

/* memory: lwIP's own heap (mem.c) also serves the guest's malloc */
#define MEM_ALIGNMENT           8
#define MEM_SIZE                (192 * 1024)
#define MEMP_NUM_PBUF           64
#define MEMP_NUM_UDP_PCB        4
#define MEMP_NUM_TCP_PCB        32
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG        128
#define MEMP_NUM_REASSDATA      4
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define MEMP_NUM_ARP_QUEUE      16
#define PBUF_POOL_SIZE          64
#define PBUF_POOL_BUFSIZE       1536

#define TCP_MSS            1460
#define TCP_WND            (8 * TCP_MSS)
#define TCP_SND_BUF        (8 * TCP_MSS)
#define TCP_SND_QUEUELEN   (4 * TCP_SND_BUF / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 0

#define CHECKSUM_GEN_IP     1
#define CHECKSUM_GEN_UDP    1
#define CHECKSUM_GEN_TCP    1
#define CHECKSUM_GEN_ICMP   1
#define CHECKSUM_CHECK_IP   1
#define CHECKSUM_CHECK_UDP  1
#define CHECKSUM_CHECK_TCP  1
#define CHECKSUM_CHECK_ICMP 1

#endif

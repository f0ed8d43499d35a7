/* lwIP's configuration for the domain builder's migration link
 * (save/migrate_net.c, docs/migration.md): NO_SYS (the builder's one thread
 * pumps lwIP while a migration runs), IPv4 with ARP and TCP only, one
 * connection at a time; the heap is musl's malloc.  Windows as large as TCP
 * allows without window scaling: the link carries ~100 MB per migration. */
#ifndef DB_LWIPOPTS_H
#define DB_LWIPOPTS_H

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
#define LWIP_UDP                   0
#define LWIP_TCP                   1
#define LWIP_DHCP                  0
#define LWIP_AUTOIP                0
#define LWIP_IGMP                  0
#define LWIP_DNS                   0
#define LWIP_STATS                 0
#define IP_REASSEMBLY              0
#define IP_FRAG                    0
#define ETH_PAD_SIZE               0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0

#define MEM_LIBC_MALLOC         1
#define MEM_ALIGNMENT           8
#define MEMP_NUM_PBUF           64
#define MEMP_NUM_TCP_PCB        4
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG        256
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)
#define MEMP_NUM_ARP_QUEUE      16
#define PBUF_POOL_SIZE          192
#define PBUF_POOL_BUFSIZE       1536

#define TCP_MSS            1460
#define TCP_WND            (44 * TCP_MSS)
#define TCP_SND_BUF        (44 * TCP_MSS)
#define TCP_SND_QUEUELEN   (4 * TCP_SND_BUF / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 0
#define SO_REUSE           1 /* listen again while the last connection is in TIME_WAIT */

#endif

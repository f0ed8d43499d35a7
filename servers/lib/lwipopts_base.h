/* The lwIP options shared by every user of lwIP over servers/lib's netfront
 * (the lwIP guest, the domain builder's migration link): NO_SYS (one thread
 * pumps lwIP), IPv4 with ARP, ICMP and TCP over Ethernet, no sockets, no
 * netconn, full-size Ethernet frames.  Each user's own lwipopts.h includes
 * this and adds its protocols and its memory budget. */
#ifndef LWIPOPTS_BASE_H
#define LWIPOPTS_BASE_H

#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET          0
#define LWIP_NETCONN         0
#define LWIP_IPV4            1
#define LWIP_IPV6            0
#define LWIP_ARP             1
#define LWIP_ETHERNET        1
#define LWIP_ICMP            1
#define LWIP_RAW             0
#define LWIP_TCP             1
#define LWIP_AUTOIP          0
#define LWIP_IGMP            0
#define LWIP_DNS             0
#define ETH_PAD_SIZE         0

#define MEM_ALIGNMENT      8
#define MEMP_NUM_PBUF      64
#define MEMP_NUM_ARP_QUEUE 16
#define PBUF_POOL_BUFSIZE  1536

#define TCP_MSS            1460
#define TCP_SND_QUEUELEN   (4 * TCP_SND_BUF / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 0

#endif

/* The migration link between two hosts' builders (docs/migration.md): the
 * builder's own vif on its network driver domain (device/vif/0 of the
 * builder, netfront of servers/lib on pages it grants) with lwIP's TCP on
 * it, and one TCP connection at a time, used with blocking calls that pump
 * the vif and lwIP's timers until they are done.  Events of other ports that
 * arrive meanwhile are kept for the main loop (mgr->deferred), consoles are
 * drained. */
#ifndef DB_SAVE_MIGRATE_NET_H
#define DB_SAVE_MIGRATE_NET_H

#include <stddef.h>
#include <stdint.h>

#define MNET_PORT 8002 /* xend's relocation port */

struct mgr;

/* The builder's vif with address ip (a.b.c.d, /24; MAC 02:00 and the
 * address), on the domain named "netback": the backend and frontend nodes,
 * the rings, the handshake.  Once up it stays; asking again for another
 * address is refused.  0, or -1 with the reason. */
int mnet_up(struct mgr *m, const char *ip, char *err, size_t errlen);
/* The address the vif has, or NULL. */
const char *mnet_addr(void);

/* Connect to host:port (a.b.c.d); waits at most timeout_ms. */
int mnet_connect(struct mgr *m, const char *host, uint16_t port, int timeout_ms, char *err, size_t errlen);
/* Listen on port and take the first connection; its peer's address into
 * peer (16 bytes). */
int mnet_accept(struct mgr *m, uint16_t port, int timeout_ms, char *peer, char *err, size_t errlen);
/* All of data sent (handed to TCP); -1 when the connection broke or after
 * timeout_ms without progress. */
int mnet_send(struct mgr *m, const void *data, size_t len, int timeout_ms, char *err, size_t errlen);
/* Exactly len bytes; -1 with the reason when the peer closed first (then
 * *got says how many came), the connection broke, or nothing came for
 * timeout_ms. */
int mnet_recv(struct mgr *m, void *buf, size_t len, size_t *got, int timeout_ms, char *err, size_t errlen);
/* A line ("...\n", at most cap-1 bytes, the newline dropped). */
int mnet_recv_line(struct mgr *m, char *buf, size_t cap, int timeout_ms, char *err, size_t errlen);
/* Close the connection: what was sent is delivered first (abort: reset at
 * once). */
void mnet_close(struct mgr *m, int abort);

#endif

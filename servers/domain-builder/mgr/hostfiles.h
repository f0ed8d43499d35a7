/* Files sent from the host (`xl put` over COM2, scripts/xl create): configs,
 * kernels, ramdisks, modules, held in the builder's memory so that a guest
 * can be created from files on the host without rebuilding the ISO.  An
 * entry is (name as the host wrote it, size, CRC-32); names may repeat with
 * other contents.  A domain created from a host config records the serial
 * number of each entry it was built from, so a restart reads the same bytes;
 * entries a live domain uses are never evicted, the others are evicted
 * oldest first when a new one needs room. */
#ifndef DB_HOSTFILES_H
#define DB_HOSTFILES_H

#include <stddef.h>
#include <stdint.h>

#define HOSTFILES_MAX    32
#define HOSTFILES_BYTES  (96u << 20) /* all entries together */
#define HOSTFILES_NAME   255
#define HOSTFILES_PREFIX "host:" /* how configs and commands name them */

struct hostfile {
    uint32_t serial; /* 0: free slot; what domains record */
    uint32_t stamp;  /* last put: the newest of a name wins */
    char name[HOSTFILES_NAME + 1];
    uint8_t *data;
    size_t len;
    uint32_t crc;
};

struct hostfiles {
    struct hostfile f[HOSTFILES_MAX];
    uint32_t next_serial;
    size_t total;
    /* is this serial used by a live domain? (set by the manager) */
    int (*in_use)(void *ctx, uint32_t serial);
    void *ctx;
};

/* The newest entry of that name (and, if len_crc, that size and CRC). */
const struct hostfile *hostfiles_find(const struct hostfiles *h, const char *name, int match, size_t len,
                                      uint32_t crc);
const struct hostfile *hostfiles_get(const struct hostfiles *h, uint32_t serial);
/* Put again (the host holds it still): it becomes the newest of its name. */
void hostfiles_touch(struct hostfiles *h, const struct hostfile *f);
/* Makes room for len bytes (evicting unused entries, oldest first); 0 or -1
 * with the reason in err.  Nothing is evicted when room cannot be made. */
int hostfiles_reserve(struct hostfiles *h, size_t len, char *err, size_t errlen);
/* Adds an entry, taking data (malloc'd); the caller reserved room first. */
uint32_t hostfiles_add(struct hostfiles *h, const char *name, uint8_t *data, size_t len, uint32_t crc);
void hostfiles_free(struct hostfiles *h);

#endif

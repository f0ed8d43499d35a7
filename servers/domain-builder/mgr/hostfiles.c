/* The store of files sent from the host (see hostfiles.h). */
#include "mgr/hostfiles.h"
#include "util.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const struct hostfile *hostfiles_find(const struct hostfiles *h, const char *name, int match, size_t len,
                                      uint32_t crc)
{
    const struct hostfile *best = NULL;
    for (int i = 0; i < HOSTFILES_MAX; i++) {
        const struct hostfile *f = &h->f[i];
        if (!f->serial || strcmp(f->name, name) || (match && (f->len != len || f->crc != crc))) continue;
        if (!best || f->stamp > best->stamp) best = f;
    }
    return best;
}

const struct hostfile *hostfiles_get(const struct hostfiles *h, uint32_t serial)
{
    for (int i = 0; serial && i < HOSTFILES_MAX; i++)
        if (h->f[i].serial == serial) return &h->f[i];
    return NULL;
}

void hostfiles_touch(struct hostfiles *h, const struct hostfile *f)
{
    ((struct hostfile *)f)->stamp = ++h->next_serial;
}

static int used(const struct hostfiles *h, uint32_t serial) { return h->in_use && h->in_use(h->ctx, serial); }

static void drop(struct hostfiles *h, struct hostfile *f)
{
    h->total -= f->len;
    free(f->data);
    memset(f, 0, sizeof(*f));
}

int hostfiles_reserve(struct hostfiles *h, size_t len, char *err, size_t errlen)
{
    size_t evictable = 0;
    int slots = 0;
    for (int i = 0; i < HOSTFILES_MAX; i++) {
        if (!h->f[i].serial)
            slots++;
        else if (!used(h, h->f[i].serial))
            evictable += h->f[i].len, slots++;
    }
    if (len > HOSTFILES_BYTES || h->total - evictable + len > HOSTFILES_BYTES)
        return db_errf(err, errlen,
                       "no room for %zu more bytes from the host (%u MiB held, "
                       "%zu bytes by running domains)",
                       len, HOSTFILES_BYTES >> 20, h->total - evictable);
    if (!slots)
        return db_errf(err, errlen, "%d files from the host are in use by running domains", HOSTFILES_MAX);
    /* check done: now evict, oldest first, until both fit */
    for (;;) {
        int free_slot = 0;
        struct hostfile *old = NULL;
        for (int i = 0; i < HOSTFILES_MAX; i++) {
            struct hostfile *f = &h->f[i];
            free_slot |= !f->serial;
            if (f->serial && !used(h, f->serial) && (!old || f->stamp < old->stamp)) old = f;
        }
        if (free_slot && h->total + len <= HOSTFILES_BYTES) return 0;
        if (!old) return db_errf(err, errlen, "no room for %zu more bytes from the host", len);
        drop(h, old);
    }
}

uint32_t hostfiles_add(struct hostfiles *h, const char *name, uint8_t *data, size_t len, uint32_t crc)
{
    for (int i = 0; i < HOSTFILES_MAX; i++) {
        struct hostfile *f = &h->f[i];
        if (f->serial) continue;
        f->serial = f->stamp = ++h->next_serial;
        snprintf(f->name, sizeof(f->name), "%s", name);
        f->data = data;
        f->len = len;
        f->crc = crc;
        h->total += len;
        return f->serial;
    }
    free(data); /* not reached after hostfiles_reserve */
    return 0;
}

void hostfiles_free(struct hostfiles *h)
{
    for (int i = 0; i < HOSTFILES_MAX; i++)
        if (h->f[i].serial) drop(h, &h->f[i]);
}

/*
 * perms.c: Xen's node permission model. The first entry names the owner and
 * the access every domain not listed gets; later entries grant per-domain
 * access. The owner (or a domain targeting it) has full access; privileged
 * connections (a capability of the connection, not "domid 0") bypass checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

static const char perm_letters[4] = { 'n', 'r', 'w', 'b' };

unsigned perm_for_conn(const struct xs_conn *c, const struct xs_perm *p, uint32_t np)
{
    const unsigned all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
    if (c->privileged) return all;
    if (!np) return XS_PERM_NONE;
    int64_t target = conn_target(c);
    if (p[0].id == c->domid || (target >= 0 && p[0].id == target)) return all;
    for (uint32_t i = 1; i < np; i++)
        if (p[i].id == c->domid || (target >= 0 && p[i].id == target)) return p[i].perm;
    return p[0].perm;
}

static int parse_one(const char *s, struct xs_perm *out)
{
    const char *l = memchr(perm_letters, s[0], sizeof(perm_letters));
    if (!s[0] || !l || !s[1]) return -EINVAL;
    unsigned long id = 0;
    for (const char *d = s + 1; *d; d++) {
        if (*d < '0' || *d > '9') return -EINVAL;
        id = id * 10 + (unsigned long)(*d - '0');
        if (id > 65535) return -EINVAL;
    }
    out->id = (uint32_t)id;
    out->perm = (uint8_t)(l - perm_letters);
    return 0;
}

/* buf holds one or more NUL-terminated permission strings (the last NUL may
 * be the end of the payload). */
int perms_parse(const char *buf, size_t len, struct xs_perm **out, uint32_t *np)
{
    uint32_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\0') count++;
    if (!count || buf[len - 1] != '\0') return -EINVAL;
    struct xs_perm *p = calloc(count, sizeof(*p));
    if (!p) return -ENOMEM;
    const char *s = buf;
    for (uint32_t i = 0; i < count; i++) {
        if (parse_one(s, &p[i])) {
            free(p);
            return -EINVAL;
        }
        s += strlen(s) + 1;
    }
    *out = p;
    *np = count;
    return 0;
}

size_t perms_format(const struct xs_perm *p, uint32_t np, char *buf, size_t size)
{
    size_t off = 0;
    for (uint32_t i = 0; i < np; i++) {
        int n = snprintf(buf + off, size - off, "%c%u", perm_letters[p[i].perm & 3], p[i].id);
        if (n < 0 || (size_t)n + 1 > size - off) return 0;
        off += (size_t)n + 1; /* keep the NUL */
    }
    return off;
}

/* `xl put NAME SIZE CRC32`: a file from the host into the store of
 * mgr/hostfiles.h, over the session's line protocol (see xl.h).  The answer
 * is "have NAME ..." when an identical file is held already, else
 * "send NAME ..." and the session then takes base64 lines (any length up to
 * the line limit, a multiple of 4 characters, padding only at the end) until
 * a line ".": the size and CRC-32 are checked and the file is stored, or the
 * whole upload is refused with the reason.  Lines are not echoed meanwhile.
 * With GZIP-SIZE the lines carry a gzip stream of that many bytes (the COM2
 * UART is slow: every byte is a trapped port read), unpacked here with the
 * shared bounded decompressor and then checked the same way.  A file the
 * builder holds itself (a boot module of that base name, same size and CRC)
 * is taken from there instead.  Ctrl-] (a new client) abandons an upload. */
#include "shell/xl_int.h"
#include "decompress.h" /* dc_crc32 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void xl_upload_abandon(struct xl_session *s)
{
    if (!s->up.active) return;
    free(s->up.buf);
    say(s, "xl: upload of %s abandoned after %zu of %zu bytes", s->up.name, s->up.got, s->up.want);
    memset(&s->up, 0, sizeof(s->up));
}

static int parse_u64(const char *v, int base, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!*v || *v == '-' || *v == '+' || *v == ' ') return -1;
    unsigned long long n = strtoull(v, &end, base);
    if (*end || n > max) return -1;
    *out = n;
    return 0;
}

/* The builder's own copy (the same lookup as a config's names: as given,
 * then by base name in the boot module directories), if identical. */
static int own_copy(struct mgr *m, const char *name, size_t len, uint32_t crc)
{
    uint8_t *buf;
    size_t n;
    char err[256];
    if (!m->read_file || m->read_file(m->file_ctx, name, len, &buf, &n, err, sizeof(err))) return 0;
    if (n != len || dc_crc32(0, buf, n) != crc || hostfiles_reserve(&m->host, n, err, sizeof(err))) {
        free(buf);
        return 0;
    }
    hostfiles_add(&m->host, name, buf, n, crc);
    return 1;
}

void xl_put(struct mgr *m, struct xl_session *s, const char *name, const char *size, const char *crc,
            const char *gzip_size)
{
    unsigned long long len, c, zlen = 0;
    char err[256];
    if (strlen(name) > HOSTFILES_NAME) {
        say(s, "xl: put: name longer than %d characters", HOSTFILES_NAME);
        return;
    }
    if (parse_u64(size, 10, HOSTFILES_BYTES, &len)) {
        say(s, "xl: put: size '%s' is not a number of bytes up to %u", size, HOSTFILES_BYTES);
        return;
    }
    if (strlen(crc) != 8 || parse_u64(crc, 16, 0xffffffffull, &c)) {
        say(s, "xl: put: CRC-32 '%s' is not 8 hex digits", crc);
        return;
    }
    if (gzip_size && parse_u64(gzip_size, 10, HOSTFILES_BYTES, &zlen)) {
        say(s, "xl: put: gzip size '%s' is not a number of bytes up to %u", gzip_size, HOSTFILES_BYTES);
        return;
    }
    const struct hostfile *f = hostfiles_find(&m->host, name, 1, (size_t)len, (uint32_t)c);
    if (f) {
        hostfiles_touch(&m->host, f);
        say(s, "have %s (%llu bytes)", name, len);
        return;
    }
    if (own_copy(m, name, (size_t)len, (uint32_t)c)) {
        say(s, "have %s (%llu bytes: the builder's own copy)", name, len);
        return;
    }
    if (hostfiles_reserve(&m->host, (size_t)len, err, sizeof(err))) {
        say(s, "xl: put %s: %s", name, err);
        return;
    }
    size_t want = gzip_size ? (size_t)zlen : (size_t)len;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        say(s, "xl: put %s: out of memory for %zu bytes", name, want);
        return;
    }
    memset(&s->up, 0, sizeof(s->up));
    s->up.active = 1;
    snprintf(s->up.name, sizeof(s->up.name), "%s", name);
    s->up.buf = buf;
    s->up.want = want;
    s->up.size = (size_t)len;
    s->up.gzip = gzip_size != NULL;
    s->up.crc = (uint32_t)c;
    say(s, "send %s (%zu bytes%s as base64 lines, then a line '.')", name, want, gzip_size ? " of gzip" : "");
}

static int b64(char c)
{
    return c >= 'A' && c <= 'Z'   ? c - 'A'
           : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52
           : c == '+'             ? 62
           : c == '/'             ? 63
                                  : -1;
}

/* Decodes one line into up->buf; -1 if malformed or past the size. */
static int decode(struct xl_upload *up, const char *l, size_t n)
{
    if (n % 4) return -1;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            if (l[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = b64(l[i + k])) < 0) return -1;
        }
        uint8_t o[3] = { (uint8_t)(v[0] << 2 | v[1] >> 4), (uint8_t)(v[1] << 4 | v[2] >> 2),
                         (uint8_t)(v[2] << 6 | v[3]) };
        size_t k = 3 - (size_t)pad;
        if (up->got + k > up->want) return -1;
        memcpy(up->buf + up->got, o, k);
        up->got += k;
        if (pad && i + 4 != n) return -1;
    }
    return 0;
}

void xl_upload_line(struct mgr *m, struct xl_session *s, const char *line, size_t n)
{
    struct xl_upload *up = &s->up;
    if (!(n == 1 && line[0] == '.')) {
        up->lines++;
        if (!up->bad && (n >= XL_SESSION_LINE || decode(up, line, n)))
            up->bad = (int)(up->lines > 1000000 ? 1000000 : up->lines);
        return;
    }
    if (!up->bad && up->got == up->want && up->gzip) {
        uint8_t *out = malloc(up->size ? up->size : 1);
        size_t n = 0;
        int rc = out ? dc_gunzip(up->buf, up->got, out, up->size, &n) : -1;
        if (rc || n != up->size) {
            say(s, "xl: put %s: the gzip stream %s", up->name,
                !out ? "cannot be unpacked: out of memory"
                : rc ? dc_strerror(rc)
                     : "unpacks to another size than announced");
            free(out);
            free(up->buf);
            memset(up, 0, sizeof(*up));
            return;
        }
        free(up->buf);
        up->buf = out;
        up->got = up->want = n;
    }
    uint32_t crc = dc_crc32(0, up->buf, up->got);
    if (up->bad)
        say(s, "xl: put %s: data line %d is not base64 or goes past %zu bytes", up->name, up->bad, up->want);
    else if (up->got != up->want)
        say(s, "xl: put %s: %zu bytes arrived, %zu announced", up->name, up->got, up->want);
    else if (crc != up->crc)
        say(s, "xl: put %s: CRC-32 %08x, %08x announced (damaged in transit)", up->name, crc, up->crc);
    else {
        hostfiles_add(&m->host, up->name, up->buf, up->got, crc);
        say(s, "stored %s (%zu bytes)", up->name, up->got);
        memset(up, 0, sizeof(*up));
        return;
    }
    free(up->buf);
    memset(up, 0, sizeof(*up));
}

static void put_verb(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    xl_put(m, s, c->pos[0], c->pos[1], c->pos[2], c->npos > 3 ? c->pos[3] : NULL);
}

const struct xl_verb xl_verbs_upload[] = {
    { "put", 3, 4, "", "xl put NAME SIZE CRC32 [GZIP-SIZE]", put_verb, NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

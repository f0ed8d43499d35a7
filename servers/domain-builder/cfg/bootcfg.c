/* Boot configuration parsing (see bootcfg.h); starting it: bootcfg_start.c. */
#include "cfg/bootcfg.h"
#include "util.h"

#include <string.h>

/* One line: blank, a comment, or a single path. */
static int one_line(const char *name, int ln, char *s, struct bootcfg *bc, char *err, size_t errlen)
{
    char *h = strchr(s, '#');
    if (h) *h = 0;
    char *w = s + strspn(s, " \t\r");
    size_t n = strcspn(w, " \t\r");
    if (!n) return 0;
    if (w[n + strspn(w + n, " \t\r")])
        return db_errf(err, errlen, "%s:%d: one config file per line", name, ln);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)w[i] < 0x20 || w[i] == 0x7f)
            return db_errf(err, errlen, "%s:%d: control character", name, ln);
    if (n >= sizeof(bc->path[0])) return db_errf(err, errlen, "%s:%d: path too long", name, ln);
    if (bc->n == BOOTCFG_MAX)
        return db_errf(err, errlen, "%s:%d: more than %d domains", name, ln, BOOTCFG_MAX);
    memcpy(bc->path[bc->n], w, n);
    bc->path[bc->n][n] = 0;
    bc->line[bc->n++] = ln;
    return 0;
}

int bootcfg_parse(const char *name, const char *text, size_t len, struct bootcfg *out, char *err,
                  size_t errlen)
{
    static struct bootcfg bc;
    char line[1024];
    int ln = 0;
    memset(&bc, 0, sizeof(bc));
    if (memchr(text, 0, len)) return db_errf(err, errlen, "%s: NUL byte in file", name);
    for (size_t i = 0; i < len;) {
        const char *e = memchr(text + i, '\n', len - i);
        size_t n = e ? (size_t)(e - (text + i)) : len - i;
        ln++;
        if (n >= sizeof(line)) return db_errf(err, errlen, "%s:%d: line too long", name, ln);
        memcpy(line, text + i, n);
        line[n] = 0;
        if (one_line(name, ln, line, &bc, err, errlen)) return -1;
        i += n + 1;
    }
    *out = bc;
    return 0;
}

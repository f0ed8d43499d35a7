/* File reading for configs and images (see files.h).  Sizes are bounded
 * before anything is allocated; short reads are retried. */
#include "files.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_fd(int fd, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    size_t cap = max < 65536 ? max + 1 : 65536, n = 0;
    uint8_t *p = malloc(cap);
    if (!p) return db_errf(err, errlen, "%s: out of memory", path);
    for (;;) {
        if (n == cap) {
            size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
            uint8_t *q = cap > max ? NULL : realloc(p, nc);
            if (!q) {
                free(p);
                return db_errf(err, errlen,
                               cap > max ? "%s: larger than %zu bytes" : "%s: out of memory (%zu bytes)",
                               path, max);
            }
            p = q;
            cap = nc;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(p);
            return db_errf(err, errlen, "%s: %s", path, strerror(errno));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    *buf = p;
    *len = n;
    return 0;
}

static int try_open(const struct files *f, const char *path, char *tried, size_t tlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int i = 0; fd < 0 && f && i < f->ndirs; i++) {
        snprintf(tried, tlen, "%s/%s", f->dirs[i], base);
        fd = open(tried, O_RDONLY | O_CLOEXEC);
    }
    return fd;
}

int files_read(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    char tried[512];
    int fd = try_open(ctx, path, tried, sizeof(tried));
    if (fd < 0) return db_errf(err, errlen, "%s: %s", path, strerror(errno));
    int rc = read_fd(fd, path, max, buf, len, err, errlen);
    close(fd);
    return rc;
}

/*
 * state_dir.c: the persistence store of the host program: DIR/snapshot and
 * DIR/journal. The journal is opened for appending; a snapshot is written to
 * DIR/snapshot.tmp, fsync'ed and renamed over the old one (then the
 * directory is fsync'ed), so a crash leaves the old or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenstored.h"

struct state_dir {
    char *dir;
    int fd; /* the journal, O_APPEND */
};

static char *join(const char *dir, const char *name)
{
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void *xs_state_dir_open(const char *dir, int *err)
{
    struct state_dir *d = calloc(1, sizeof(*d));
    if (!d) abort();
    d->dir = strdup(dir);
    mkdir(dir, 0700);
    char *jp = join(dir, "journal");
    d->fd = open(jp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    free(jp);
    if (d->fd < 0) {
        *err = -errno;
        free(d->dir);
        free(d);
        return NULL;
    }
    return d;
}

static char *dir_load(void *ctx, bool journal, size_t *len)
{
    struct state_dir *d = ctx;
    char *path = join(d->dir, journal ? "journal" : "snapshot");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0) return NULL;
    struct stat st;
    char *buf = NULL;
    if (!fstat(fd, &st) && (buf = malloc((size_t)st.st_size + 1))) {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
            if (r <= 0) break;
            got += (size_t)r;
        }
        *len = got;
    }
    close(fd);
    return buf;
}

static int dir_append(void *ctx, const void *p, size_t n, bool sync)
{
    struct state_dir *d = ctx;
    int rc = write_all(d->fd, p, n);
    if (!rc && sync) fdatasync(d->fd);
    return rc;
}

static int dir_put_snapshot(void *ctx, const void *p, size_t n)
{
    struct state_dir *d = ctx;
    char *tmp = join(d->dir, "snapshot.tmp"), *snap = join(d->dir, "snapshot");
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, p, n) || fsync(fd) || rename(tmp, snap)) rc = errno ? -errno : -EIO;
    if (fd >= 0) close(fd);
    if (!rc) {
        int dfd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(tmp);
    free(snap);
    return rc;
}

static int dir_truncate(void *ctx)
{
    struct state_dir *d = ctx;
    return ftruncate(d->fd, 0) ? -errno : 0;
}

static void dir_close(void *ctx)
{
    struct state_dir *d = ctx;
    close(d->fd);
    free(d->dir);
    free(d);
}

const struct xs_state_ops xs_state_dir_ops = {
    dir_load, dir_append, dir_put_snapshot, dir_truncate, dir_close,
};

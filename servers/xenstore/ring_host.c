/*
 * ring_host.c: file- and FIFO-backed domain rings for running and testing
 * the ring transport on the host (see ring_host.h).
 */
#include "ring_host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_fifo(const char *dir, uint32_t domid, const char *suffix)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/dom%u.%s", dir, domid, suffix);
    if (mkfifo(path, 0600) && errno != EEXIST) return -1;
    /* O_RDWR: never blocks, never sees EOF, never raises SIGPIPE */
    return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

int host_ring_open(const char *dir, uint32_t domid, struct host_ring *out)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/dom%u.ring", dir, domid);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) || (st.st_size < 4096 && ftruncate(fd, 4096))) {
        int e = -errno;
        close(fd);
        return e;
    }
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return -errno;
    out->intf = p;
    out->up_fd = open_fifo(dir, domid, "up");
    out->down_fd = open_fifo(dir, domid, "down");
    if (out->up_fd < 0 || out->down_fd < 0) {
        int e = -errno;
        host_ring_close(out);
        return e;
    }
    return 0;
}

void host_ring_close(struct host_ring *r)
{
    if (r->intf) munmap(r->intf, 4096);
    if (r->up_fd >= 0) close(r->up_fd);
    if (r->down_fd >= 0) close(r->down_fd);
    r->intf = NULL;
    r->up_fd = r->down_fd = -1;
}

void host_ring_notify(void *handle)
{
    struct host_ring *r = handle;
    char b = 1;
    if (write(r->down_fd, &b, 1) < 0) {
        /* FIFO full: the domain has unread notifications already */
    }
}

void host_ring_ack(struct host_ring *r)
{
    char buf[256];
    while (read(r->up_fd, buf, sizeof(buf)) > 0)
        ;
}

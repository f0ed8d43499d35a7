/* Runtime test program: prints its arguments, uses brk/malloc/mmap, reads the
 * clocks, sleeps, reads the boot modules under /boot, calls an unknown system
 * call and exits with status 0.  Every
 * check prints one "hello: ok - ..." or "hello: FAIL - ..." line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void check(const char *name, int ok)
{
    printf("hello: %s - %s\n", ok ? "ok" : "FAIL", name);
    failed += !ok;
}

static void memory(void)
{
    char *small = malloc(100), *big = malloc(300000);
    check("malloc small and big", small && big);
    memset(big, 0x5a, 300000);
    strcpy(small, "heap");
    check("heap memory is usable", big[299999] == 0x5a && !strcmp(small, "heap"));
    free(big);
    free(small);
    /* musl's sbrk only reports the break; move it with the system call. */
    char *cur = (char *)syscall(SYS_brk, 0);
    check("brk grows by 64 KiB", (char *)syscall(SYS_brk, cur + 65536) == cur + 65536);
    cur[65535] = 1;
    check("brk shrinks back", (char *)syscall(SYS_brk, cur) == cur);
    unsigned char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap anonymous memory", m != MAP_FAILED);
    check("mmap memory is zeroed", m[0] == 0 && m[3 * 4096 - 1] == 0);
    m[5000] = 7;
    check("mprotect read-only", mprotect(m, 4096, PROT_READ) == 0);
    mprotect(m, 4096, PROT_READ | PROT_WRITE);
    unsigned char *r = mremap(m, 3 * 4096, 64 * 4096, MREMAP_MAYMOVE);
    check("mremap grows and keeps the data", r != MAP_FAILED && r[5000] == 7 && r[64 * 4096 - 1] == 0);
    m = r;
    r = mremap(m, 64 * 4096, 2 * 4096, 0);
    check("mremap shrinks in place", r == m && r[5000] == 7);
    check("munmap", munmap(m, 2 * 4096) == 0);
}

static void clocks(void)
{
    struct timespec a, b, r;
    check("clock_gettime(CLOCK_MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    clock_gettime(CLOCK_REALTIME, &r);
    check("CLOCK_REALTIME is after 2020", r.tv_sec > 1577836800);
    struct timespec d = { 0, 50 * 1000 * 1000 };
    check("nanosleep 50 ms", nanosleep(&d, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
    printf("hello: slept %ld ms\n", ns / 1000000);
    check("monotonic time advanced by at least 50 ms", ns >= 50 * 1000 * 1000);
}

/* The boot modules: the suite passes servers/runtime/tests/bootfile.txt. */
static void bootfiles(void)
{
    char buf[256];
    int fd = open("/boot/modules", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    check("read /boot/modules", n > 0);
    buf[n > 0 ? n : 0] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        printf("hello: module %s\n", line);
    close(fd);
    fd = open("/boot/bootfile.txt", O_RDONLY);
    check("open /boot/bootfile.txt (by name)", fd >= 0);
    struct stat st;
    check("fstat gives its size", fstat(fd, &st) == 0 && st.st_size == 34 && S_ISREG(st.st_mode));
    check("lseek to line 2", lseek(fd, 17, SEEK_SET) == 17);
    n = read(fd, buf, sizeof(buf));
    check("read line 2 to the end", n == 17 && !memcmp(buf, "boot file line 2\n", 17));
    check("pread line 1", pread(fd, buf, 16, 0) == 16 && !memcmp(buf, "boot file line 1", 16));
    char *m = mmap(NULL, 34, PROT_READ, MAP_PRIVATE, fd, 0);
    check("mmap of a boot file", m != MAP_FAILED && !memcmp(m + 17, "boot file line 2", 16));
    check("a read-only boot file mapping cannot become writable (EACCES)",
          mprotect(m, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
    check("munmap of the boot file mapping", munmap(m, 34) == 0);
    void *big = malloc(4 << 20);
    check("4 MiB malloc after it (boot frames are not reused)", big && memset(big, 1, 4 << 20));
    free(big);
    close(fd);
    check("/boot/1 is the same file", (fd = open("/boot/1", O_RDONLY)) >= 0 && read(fd, buf, 4) == 4);
    close(fd);
    check("a missing boot file: ENOENT", open("/boot/nothing", O_RDONLY) == -1 && errno == ENOENT);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("hello: argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" argv[%d]=%s", i, argv[i]);
    printf("\n");
    const char *inst = getenv("TESSERA_INSTANCE");
    printf("hello: instance %s\n", inst ? inst : "?");
    const char *dom = getenv("TESSERA_DOMID");
    printf("hello: domain %s\n", dom ? dom : "?");
    memory();
    clocks();
    bootfiles();
    errno = 0;
    long rc = syscall(999, 1, 2, 3);
    check("unknown system call 999 fails with ENOSYS", rc == -1 && errno == ENOSYS);
    check("getpid", getpid() > 0);
    printf("hello: done, %d failed\n", failed);
    return failed ? 1 : 0;
}

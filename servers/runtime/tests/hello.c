/* Runtime test program: prints its arguments, uses brk/malloc/mmap, reads the
 * clocks, sleeps, calls an unknown system call and exits with status 0.  Every
 * check prints one "hello: ok - ..." or "hello: FAIL - ..." line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
    check("munmap", munmap(m, 3 * 4096) == 0);
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

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("hello: argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" argv[%d]=%s", i, argv[i]);
    printf("\n");
    const char *inst = getenv("TESSERA_INSTANCE");
    printf("hello: instance %s\n", inst ? inst : "?");
    memory();
    clocks();
    errno = 0;
    long rc = syscall(999, 1, 2, 3);
    check("unknown system call 999 fails with ENOSYS", rc == -1 && errno == ENOSYS);
    check("getpid", getpid() > 0);
    printf("hello: done, %d failed\n", failed);
    return failed ? 1 : 0;
}

/* Disk throughput and IOPS from inside the guest, on a block device with
 * O_DIRECT (no page cache), one request at a time:
 *   diskio DEV [MiB] [OPS]
 * sequential 1 MiB writes then reads over the first MiB MiB (default 64),
 * then OPS (default 2000) 4 KiB writes and reads at random aligned offsets of
 * the same area; each write phase ends with fsync (in the timing).  One
 * "bench:" line per phase (ns_per_op per 1 MiB or per 4 KiB request).
 * Without MiB/OPS arguments, the environment's diskio_mib/diskio_ops (from
 * the kernel command line, e.g. bench/blkback.sh's small runs) or 64/2000.
 * A line "diskio: start" before the first phase lets bench/blkback.sh read
 * the host's CPU time at each phase's start and end. */
#define _GNU_SOURCE
#include "bench.h"
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static int phase(int fd, const char *name, int write, size_t size, long ops, long area_blocks, int random,
                 void *buf)
{
    uint64_t x = 88172645463325252ull;
    long long t0 = bench_now_ns();
    for (long i = 0; i < ops; i++) {
        long blk = i;
        if (random) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            blk = (long)(x % (uint64_t)area_blocks);
        }
        off_t off = (off_t)blk * (off_t)size;
        ssize_t n = write ? pwrite(fd, buf, size, off) : pread(fd, buf, size, off);
        if (n != (ssize_t)size) return bench_fail(name, write ? "pwrite" : "pread");
    }
    if (write && fsync(fd)) return bench_fail(name, "fsync");
    return bench_report(name, ops, bench_now_ns() - t0);
}

int main(int argc, char **argv)
{
    if (argc < 2) return bench_fail("diskio", "usage: diskio DEV [MiB] [OPS]");
    const char *em = getenv("diskio_mib"), *eo = getenv("diskio_ops");
    long mib = strtol(argc > 2 ? argv[2] : em ? em : "64", NULL, 0);
    long ops = strtol(argc > 3 ? argv[3] : eo ? eo : "2000", NULL, 0);
    if (mib <= 0 || ops <= 0) return bench_fail("diskio", "bad sizes");
    int fd = open(argv[1], O_RDWR | O_DIRECT);
    if (fd < 0) return bench_fail("diskio", "open");
    void *buf;
    if (posix_memalign(&buf, 4096, 1 << 20)) return bench_fail("diskio", "memory");
    memset(buf, 0x5a, 1 << 20);
    printf("diskio: start %s %ld MiB %ld ops\n", argv[1], mib, ops);
    fflush(stdout);
    int rc = phase(fd, "disk_seq_write_1m", 1, 1 << 20, mib, mib, 0, buf) ||
             phase(fd, "disk_seq_read_1m", 0, 1 << 20, mib, mib, 0, buf) ||
             phase(fd, "disk_rand_write_4k", 1, 4096, ops, mib * 256, 1, buf) ||
             phase(fd, "disk_rand_read_4k", 0, 4096, ops, mib * 256, 1, buf);
    close(fd);
    return rc;
}

/* getrandom (RDRAND when the CPU has it, else a TSC-seeded generator; not for
 * keys) and uname. */
#include "rt.h"

static uint64_t state;

static bool have_rdrand(void)
{
    uint32_t a = 1, b, c = 0, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return c >> 30 & 1;
}

uint64_t random_u64(void)
{
    static int rdrand = -1;
    if (rdrand < 0) rdrand = have_rdrand();
    uint64_t v;
    unsigned char ok = 0;
    if (rdrand) asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
    if (ok) return v;
    if (!state) {
        uint32_t lo, hi;
        asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
        state = (((uint64_t)hi << 32) | lo) ^ 0x9e3779b97f4a7c15UL;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dUL;
}

long sys_getrandom(uint64_t buf, size_t len, unsigned flags)
{
    (void)flags;
    if (!user_ok(buf, len, true)) return -EFAULT;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = random_u64();
        memcpy((void *)(buf + i), &v, MIN(8, len - i));
    }
    return (long)len;
}

long sys_uname(uint64_t buf)
{
    static const char *const f[6] = {
        "Linux", "tessera", "6.1.0-tessera-runtime", "#1 Tessera service runtime", "x86_64", "(none)"
    };
    char u[6][65];
    memset(u, 0, sizeof(u));
    for (int i = 0; i < 6; i++)
        memcpy(u[i], f[i], strlen(f[i]));
    return copy_to_user(buf, u, sizeof(u));
}

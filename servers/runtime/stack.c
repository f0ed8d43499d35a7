/* The initial user stack, as Linux's exec leaves it: argc, argv[], NULL, envp[],
 * NULL, the auxiliary vector, then the strings and AT_RANDOM's 16 bytes.  argv[0] is
 * the runtime's name= option ("server"), then the words of the program's
 * boot-module command line; the environment holds
 * TESSERA_INSTANCE=<n> (1 for the first run, +1 per restart) and TESSERA_DOMID
 * (the domain's id). */
#include "rt.h"
#include "../lib/elf64.h"

#define MAX_ARGS 32

struct strs {
    char buf[2048];
    size_t len;
    uint64_t base;
};

/* Append a string to the string area; returns its user address. */
static uint64_t put_str(struct strs *s, const char *p, size_t n)
{
    if (s->len + n + 1 > sizeof(s->buf)) n = 0;
    memcpy(s->buf + s->len, p, n);
    s->buf[s->len + n] = 0;
    uint64_t at = s->base + s->len;
    s->len += n + 1;
    return at;
}

uint64_t random_u64(void);

uint64_t stack_build(const char *cmdline, uint64_t entry, uint64_t phdr, uint16_t phnum)
{
    uint64_t bottom = USER_STACK_TOP - USER_STACK_SIZE;
    if (uvm_map_anon(bottom, USER_STACK_SIZE, PROT_READ | PROT_WRITE)) panic("no memory for the user stack");
    static struct strs s;
    s.len = 0;
    s.base = USER_STACK_TOP - sizeof(s.buf);
    uint64_t argv[MAX_ARGS + 1], envp[3];
    unsigned argc = 0;
    const char *p = cmdline, *w;
    size_t len;
    argv[argc++] = put_str(&s, opts.name, strlen(opts.name));
    while (argc < MAX_ARGS && (w = word_next(&p, &len)))
        argv[argc++] = put_str(&s, w, len);
    argv[argc] = 0;
    char env[40];
    envp[0] = put_str(&s, env, (size_t)snprintf(env, sizeof(env), "TESSERA_INSTANCE=%u", instance));
    envp[1] = put_str(&s, env, (size_t)snprintf(env, sizeof(env), "TESSERA_DOMID=%u", self_domid));
    envp[2] = 0;
    uint64_t rnd[2] = { random_u64(), random_u64() };
    uint64_t at_random = put_str(&s, (const char *)rnd, 0); /* reserve, fill below */
    s.len += 15;
    memcpy(s.buf + (at_random - s.base), rnd, 16);
    uint64_t platform = put_str(&s, "x86_64", 6);
    uint64_t auxv[] = { AT_PHDR,   phdr,      AT_PHENT,    sizeof(Elf64_Phdr),
                        AT_PHNUM,  phnum,     AT_PAGESZ,   PAGE_SIZE,
                        AT_ENTRY,  entry,     AT_UID,      0,
                        AT_EUID,   0,         AT_GID,      0,
                        AT_EGID,   0,         AT_SECURE,   0,
                        AT_HWCAP,  0,         AT_CLKTCK,   100,
                        AT_RANDOM, at_random, AT_PLATFORM, platform,
                        AT_EXECFN, argv[0],   AT_NULL,     0 };
    uint64_t words = 1 + argc + 1 + 2 + ARRAY_SIZE(auxv);
    uint64_t sp = (s.base - words * 8) & ~15UL;
    uint64_t at = sp, argc64 = argc;
    copy_to_user(at, &argc64, 8);
    at += 8;
    copy_to_user(at, argv, (argc + 1) * 8);
    at += (argc + 1) * 8;
    copy_to_user(at, envp, sizeof(envp));
    at += sizeof(envp);
    copy_to_user(at, auxv, sizeof(auxv));
    copy_to_user(s.base, s.buf, s.len);
    return sp;
}

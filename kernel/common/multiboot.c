/* Multiboot 1 and 2 information parsing into struct boot_info.  The loader's
 * structures are read through the boot-time 1:1 map of the low 4 GiB. */
#include "bootinfo.h"
#include "lib.h"

struct boot_info boot_info;

static void copy_str(char *dst, size_t n, paddr_t src)
{
    dst[0] = 0;
    if (!src || src >= (1UL << 32)) return;
    const char *s = (const char *)src;
    size_t i = 0;
    for (; i + 1 < n && s[i]; i++)
        dst[i] = s[i];
    dst[i] = 0;
}

static void add_region(uint64_t base, uint64_t len)
{
    if (boot_info.nr_mem < MAX_MEM_REGIONS && len)
        boot_info.mem[boot_info.nr_mem++] = (struct mem_region){ base, base + len };
}

static void add_module(uint64_t start, uint64_t end, paddr_t cmdline)
{
    boot_info.mods_given++;
    if (boot_info.nr_mods >= MAX_BOOT_MODULES) return;
    struct boot_module *m = &boot_info.mods[boot_info.nr_mods++];
    m->start = start;
    m->end = end;
    copy_str(m->cmdline, sizeof(m->cmdline), cmdline);
}

static void parse_mb1(const uint32_t *mbi)
{
    uint32_t flags = mbi[0];
    boot_info.loader = "multiboot1";
    if (flags & (1u << 2)) copy_str(boot_info.cmdline, sizeof(boot_info.cmdline), mbi[4]);
    if (flags & (1u << 3)) {
        const uint32_t *mod = (const uint32_t *)(uintptr_t)mbi[6];
        for (uint32_t i = 0; i < mbi[5]; i++, mod += 4)
            add_module(mod[0], mod[1], mod[2]);
    }
    if (flags & (1u << 6)) {
        uintptr_t p = mbi[12], end = p + mbi[11];
        while (p < end) {
            const uint32_t *e = (const uint32_t *)p;
            uint64_t base = e[1] | ((uint64_t)e[2] << 32);
            uint64_t len = e[3] | ((uint64_t)e[4] << 32);
            if (e[5] == 1) add_region(base, len);
            p += e[0] + 4;
        }
    }
}

static void parse_mb2(const uint8_t *mbi)
{
    uint32_t total = *(const uint32_t *)mbi;
    boot_info.loader = "multiboot2";
    for (uint32_t off = 8; off + 8 <= total;) {
        const uint32_t *tag = (const uint32_t *)(mbi + off);
        uint32_t type = tag[0], size = tag[1];
        if (type == 0 || size < 8) break;
        if (type == 1)
            copy_str(boot_info.cmdline, sizeof(boot_info.cmdline), (uintptr_t)&tag[2]);
        else if (type == 3)
            add_module(tag[2], tag[3], (uintptr_t)&tag[4]);
        else if (type == 6) {
            uint32_t esz = tag[2];
            for (uint32_t p = 16; esz && p + esz <= size; p += esz) {
                const uint8_t *e = (const uint8_t *)tag + p;
                if (*(const uint32_t *)(e + 16) == 1)
                    add_region(*(const uint64_t *)e, *(const uint64_t *)(e + 8));
            }
        }
        off += (size + 7) & ~7u;
    }
}

void multiboot_parse(uint32_t magic, paddr_t info)
{
    if (magic == 0x2BADB002)
        parse_mb1((const uint32_t *)info);
    else if (magic == 0x36d76289)
        parse_mb2((const uint8_t *)info);
    else
        panic("not started by a multiboot loader (magic %x)", magic);
}

static const char *find_word(const char *w)
{
    size_t l = strlen(w);
    for (const char *p = boot_info.cmdline; (p = strstr(p, w)); p += l)
        if ((p == boot_info.cmdline || p[-1] == ' ') && (p[l] == 0 || p[l] == ' ' || p[l] == '=')) return p;
    return NULL;
}

bool cmdline_has(const char *word) { return find_word(word) != NULL; }

const char *cmdline_get(const char *key)
{
    const char *p = find_word(key);
    if (!p || p[strlen(key)] != '=') return NULL;
    return p + strlen(key) + 1;
}

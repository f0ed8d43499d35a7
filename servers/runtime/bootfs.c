/* Boot modules as read-only files for the program: /boot/modules lists one
 * module per line, "<k> <bytes> <command line>"; /boot/<k> and /boot/<name>
 * (name = the first word of the module's command line) are module k's bytes.
 * Module 0 is the program itself.  read, pread, lseek, fstat and mmap work on
 * them (read-only mappings share the boot frames, others are private copies). */
#include "rt.h"

struct bfile {
    bool used;
    const uint8_t *data;
    size_t size;
};
static struct bfile bfiles[16];
static char listing[4096];

static size_t make_listing(void)
{
    const uint8_t *d;
    size_t size, len = 0;
    const char *cl;
    for (unsigned k = 0; boot_module(k, &d, &size, &cl) && len < sizeof(listing); k++)
        len +=
            (size_t)snprintf(listing + len, sizeof(listing) - len, "%u %lu %s\n", k, (unsigned long)size, cl);
    return MIN(len, sizeof(listing) - 1);
}

/* Module named by a number or by the first word of its command line. */
static bool lookup(const char *name, const uint8_t **d, size_t *size)
{
    const char *cl, *end;
    unsigned long k = strtoul(name, &end, 10);
    if (end != name && !*end) return boot_module((unsigned)k, d, size, &cl);
    for (unsigned i = 0; boot_module(i, d, size, &cl); i++) {
        size_t n = 0;
        while (cl[n] && cl[n] != ' ')
            n++;
        if (n && n == strlen(name) && !strncmp(cl, name, n)) return true;
    }
    return false;
}

long bootfs_open(struct file *f, const char *name)
{
    struct bfile *b = NULL;
    for (unsigned i = 0; !b && i < ARRAY_SIZE(bfiles); i++)
        if (!bfiles[i].used) b = &bfiles[i];
    if (!b) return -EMFILE;
    if (!strcmp(name, "modules")) {
        b->size = make_listing();
        b->data = (const uint8_t *)listing;
    } else if (!lookup(name, &b->data, &b->size)) {
        return -ENOENT;
    }
    b->used = true;
    f->priv = b;
    return 0;
}

static long bf_pread(struct file *f, uint64_t buf, size_t n, uint64_t off)
{
    struct bfile *b = f->priv;
    if (off >= b->size) return 0;
    n = MIN(n, b->size - off);
    memcpy((void *)buf, b->data + off, n);
    return (long)n;
}

static uint64_t bf_size(struct file *f) { return ((struct bfile *)f->priv)->size; }

/* Read-only mappings of a module map its frames directly (they are read-only
 * boot frames); anything else gets a private copy. */
static long bf_mmap(struct file *f, uint64_t addr, uint64_t len, int prot, uint64_t off)
{
    struct bfile *b = f->priv;
    bool direct = !(prot & PROT_WRITE) && b->data != (const uint8_t *)listing && off < b->size &&
                  len <= PAGE_ALIGN_UP(b->size - off);
    if (direct) {
        for (uint64_t o = 0; o < len; o += PAGE_SIZE) {
            uint64_t maddr, pfn = va_pfn(b->data + off + o);
            uvm_pte(addr + o, true, &maddr);
            pt_queue(maddr, (p2m[pfn] << PAGE_SHIFT) | uvm_pte_flags(prot | PROT_READ));
        }
        return pt_flush() ? -ENOMEM : (long)addr;
    }
    long rc = uvm_map_anon(addr, len, prot | PROT_READ | PROT_WRITE);
    if (rc) return rc;
    bf_pread(f, addr, len, off);
    if (!(prot & PROT_WRITE)) uvm_protect(addr, len, prot);
    return (long)addr;
}

static unsigned bf_poll(struct file *f)
{
    (void)f;
    return POLLIN | POLLOUT;
}
static void bf_close(struct file *f, bool keep)
{
    (void)keep;
    ((struct bfile *)f->priv)->used = false;
}

const struct file_ops bootfs_fops = {
    .pread = bf_pread,
    .size = bf_size,
    .mmap = bf_mmap,
    .poll = bf_poll,
    .close = bf_close,
    .mode = 0100000 | 0444,
};

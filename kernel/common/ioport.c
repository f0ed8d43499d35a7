/* I/O-port delegation: the port ranges a domain with CAP_IO may drive directly.
 * A domain can pass on only ranges it holds itself; COM1 stays the hypervisor's. */
#include "lib.h"
#include "domain.h"
#include "ioport.h"

#define HV_SERIAL_FIRST 0x3f8
#define HV_SERIAL_LAST  0x3ff

bool ioport_permitted(const struct domain *d, uint32_t port, unsigned size)
{
    if (!has_cap(d, CAP_IO) || size == 0 || port + size - 1 > 0xffff) return false;
    for (unsigned i = 0; i < d->nr_ioports; i++)
        if (port >= d->ioports[i].first && port + size - 1 <= d->ioports[i].last) return true;
    return false;
}

/* Grant (allow) or revoke the range [first, first+n) for d; the granter must hold it. */
int ioport_set(struct domain *granter, struct domain *d, uint32_t first, uint32_t n, bool allow)
{
    if (!n || first > 0xffff || n > 0x10000 - first) return -EINVAL;
    uint32_t last = first + n - 1;
    if (first <= HV_SERIAL_LAST && last >= HV_SERIAL_FIRST) return -EPERM;
    if (granter && !ioport_permitted(granter, first, n)) return -EPERM;
    if (!allow) {
        /* Only whole ranges previously granted can be revoked (kept simple and exact). */
        for (unsigned i = 0; i < d->nr_ioports; i++)
            if (d->ioports[i].first == first && d->ioports[i].last == last) {
                d->ioports[i] = d->ioports[--d->nr_ioports];
                return 0;
            }
        return -ENOENT;
    }
    if (d->nr_ioports == MAX_IOPORT_RANGES) return -ENOSPC;
    d->ioports[d->nr_ioports++] = (struct ioport_range){ (uint16_t)first, (uint16_t)last };
    return 0;
}

/* "dom0_ioports=0x2f8-0x2ff,0x60-0x64" on the hypervisor command line. */
void ioport_parse_ranges(struct domain *d, const char *s)
{
    while (s && *s && *s != ' ') {
        const char *e;
        unsigned long a = strtoul(s, &e, 0), b = a;
        if (*e == '-') b = strtoul(e + 1, &e, 0);
        if (b >= a && b <= 0xffff && ioport_set(NULL, d, (uint32_t)a, (uint32_t)(b - a + 1), true))
            printk("tessera: ioport range %lx-%lx refused\n", a, b);
        s = *e == ',' ? e + 1 : NULL;
    }
}

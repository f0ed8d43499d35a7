/* The xl verbs about the host: info, dmesg (the hypervisor's console ring),
 * vcpu-list. */
#include "shell/xl_int.h"

#include <stdio.h>
#include <string.h>

#define XL_DMESG_LINE 1000
#define XL_MAX_CPUS   256

static void info(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    (void)c;
    uint64_t total = 0, freep = 0;
    uint32_t cpus = 0;
    int rc = m->b->ops->physinfo(m->b, &total, &freep, &cpus);
    if (rc) {
        say(s, "xl: the hypervisor's physinfo failed: %s", strerror(-rc));
        return;
    }
    say(s, "host                   : tessera");
    say(s, "machine                : x86_64");
    say(s, "nr_cpus                : %u", cpus);
    say(s, "total_memory           : %llu", (unsigned long long)(total / 256));
    say(s, "free_memory            : %llu", (unsigned long long)(freep / 256));
    say(s, "xen_caps               : xen-3.0-x86_64");
    say(s, "xen_scheduler          : credit");
    say(s, "xen_pagesize           : 4096");
    /* the same domains xl list shows, the builder included */
    say(s, "nr_domains             : %d", xl_each_domain(m, NULL, s, NULL));
    say(s, "xenstore_domain        : %s", m->xenstore_domid == BUILD_NO_XENSTORE ? "none" : "running");
}


/* xl dmesg [-c]: the hypervisor's console ring, read as libxl reads it
 * (incremental from index 0 until a read returns nothing; -c clears what
 * was read).  Lines are shown as they are, unprintable bytes as '?'. */
static void dmesg(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    static char buf[16384], line[XL_DMESG_LINE + 1];
    size_t n = 0;
    uint32_t index = 0;
    for (int round = 0; round < 64; round++) { /* bounded: the ring may refill meanwhile */
        uint32_t count = sizeof(buf);
        int rc = m->b->ops->readconsole(m->b, xl_opt(c, 'c'), 1, &index, buf, &count);
        if (rc) {
            say(s, "xl: reading the hypervisor's console ring failed: %s", strerror(-rc));
            return;
        }
        if (!count || count > sizeof(buf)) break;
        for (uint32_t k = 0; k < count; k++) {
            char ch = buf[k];
            if (ch == '\n' || n == XL_DMESG_LINE) {
                line[n] = 0;
                say(s, "%s", line);
                n = 0;
                if (ch == '\n') continue;
            }
            line[n++] = (ch >= 0x20 && ch < 0x7f) || ch == '\t' ? ch : '?';
        }
    }
    if (n) {
        line[n] = 0;
        say(s, "%s", line);
    }
}

/* xl's print_bitmap: "all", "none", or ranges "0-2,5" */
static void cpumap_str(const uint8_t *map, unsigned nbits, char *out, size_t size)
{
    size_t k = 0;
    unsigned first = 0, run = 0, any = 0;
    out[0] = 0;
    for (unsigned i = 0; i <= nbits; i++) {
        int set = i < nbits && (map[i / 8] >> (i % 8) & 1);
        if (set && !run)
            first = i, run = 1;
        else if (!set && run) {
            if (first == 0 && i == nbits) {
                snprintf(out, size, "all");
                return;
            }
            k += (size_t)snprintf(out + k, k < size ? size - k : 0, "%s%u", any ? "," : "", first);
            if (i - 1 > first) k += (size_t)snprintf(out + k, k < size ? size - k : 0, "-%u", i - 1);
            run = 0, any = 1;
        }
    }
    if (!any) snprintf(out, size, "none");
}

struct vcpu_arg {
    uint32_t nr_cpus;
    int failed;
};

static int vcpu_rows(struct mgr *m, struct xl_session *s, const db_dominfo *i, void *p)
{
    struct vcpu_arg *a = p;
    for (uint32_t v = 0; i->max_vcpu_id != XEN_INVALID_MAX_VCPU_ID && v <= i->max_vcpu_id; v++) {
        struct xen_domctl_getvcpuinfo vi;
        uint8_t hard[XL_MAX_CPUS / 8], soft[XL_MAX_CPUS / 8];
        char h[200], so[200], cpu[8], st[8];
        int rc = m->b->ops->vcpuinfo(m->b, i->domain, v, &vi);
        if (!rc) rc = m->b->ops->vcpu_affinity(m->b, i->domain, v, hard, soft, a->nr_cpus);
        if (rc) {
            say(s, "xl: vCPU %u of domain %u: the hypervisor refused its state: %s", v, i->domain,
                strerror(-rc));
            a->failed = 1;
            return 1;
        }
        snprintf(cpu, sizeof(cpu), vi.online ? "%u" : "-", vi.cpu);
        snprintf(st, sizeof(st), "%c%c%c", vi.online && vi.running ? 'r' : '-',
                 vi.online && vi.blocked ? 'b' : '-', vi.online ? '-' : 'p');
        cpumap_str(hard, a->nr_cpus, h, sizeof(h));
        cpumap_str(soft, a->nr_cpus, so, sizeof(so));
        /* xl prints the CPU right after the VCPU column (no blank), and the time as a float */
        say(s, "%-32s %5u %5u%5s %5s %9.1f  %s / %s", xl_name_of(m, i), (unsigned)i->domain, v, cpu, st,
            (double)(float)vi.cpu_time / 1e9, h, so);
    }
    return 0;
}

/* xl vcpu-list [DOMAIN...]: xl's table, one row per vCPU */
static void vcpu_list(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    uint64_t total, freep;
    struct vcpu_arg a = { 0, 0 };
    db_dominfo info[XL_MAX_POS];
    for (int k = 0; k < c->npos; k++)
        if (!xl_shown(m, c->pos[k], &info[k])) {
            say(s, "xl: no domain '%s'", c->pos[k]);
            return;
        }
    int rc = m->b->ops->physinfo(m->b, &total, &freep, &a.nr_cpus);
    if (rc || !a.nr_cpus || a.nr_cpus > XL_MAX_CPUS) {
        say(s, "xl: the hypervisor's physinfo failed: %s", rc ? strerror(-rc) : "no CPUs");
        return;
    }
    say(s, "%-32s %5s %5s %5s %5s %9s %s", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
        "Affinity (Hard / Soft)");
    if (!c->npos) xl_each_domain(m, vcpu_rows, s, &a);
    for (int k = 0; k < c->npos && !a.failed; k++)
        vcpu_rows(m, s, &info[k], &a);
}

const struct xl_verb xl_verbs_info[] = {
    { "info", 0, 0, "", "xl info", info, NULL },
    { "dmesg", 0, 0, "c", "xl dmesg [-c]", dmesg, NULL },
    { "vcpu-list", 0, XL_MAX_POS, "", "xl vcpu-list [DOMAIN...]", vcpu_list, NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

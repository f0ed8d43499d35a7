/* Domain manager: creating, destroying and restarting domains (see mgr.h).
 * A create reads and checks the config, the kernel and the ramdisk before
 * the first hypercall, so a bad file changes nothing. */
#include "mgr/mgr.h"
#include "build/modpkg.h"
#include "decompress.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/sched.h>
#include <xen/grant_table.h>
#include "public/tessera.h"

#define MAX_KERNEL  (256u << 20)
#define MAX_RAMDISK (512u << 20)

void mgr_logf(struct mgr *m, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (m->log.line) m->log.line(m->log.ctx, buf);
}

/* hostfiles: is an entry what a live domain was built from? */
static int host_in_use(void *ctx, uint32_t serial)
{
    struct mgr *m = ctx;
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        for (int k = 0; m->dom[i].used && k < 2 + DOM_MAX_MODULES; k++)
            if (m->dom[i].hostref[k] == serial) return 1;
    return 0;
}

int mgr_init(struct mgr *m, struct backend *b)
{
    memset(m, 0, sizeof(*m));
    m->b = b;
    m->xenstore_domid = BUILD_NO_XENSTORE;
    m->host.in_use = host_in_use;
    m->host.ctx = m;
    return b->ops->bind_virq(b, VIRQ_DOM_EXC, &m->virq_port);
}

static int from_host(const char *path) { return !strncmp(path, HOSTFILES_PREFIX, strlen(HOSTFILES_PREFIX)); }

/* A copy of a file sent from the host: the recorded entry (*serial, for
 * restarts) or the newest of that name (then recorded). */
static int host_read(struct mgr *m, const char *name, uint32_t *serial, size_t max, uint8_t **buf,
                     size_t *len, char *err, size_t errlen)
{
    const struct hostfile *f =
        *serial ? hostfiles_get(&m->host, *serial) : hostfiles_find(&m->host, name, 0, 0, 0);
    if (!f)
        return db_errf(err, errlen,
                       "%s: not sent from the host (scripts/xl create sends "
                       "the files a config names)",
                       name);
    if (f->len > max) return db_errf(err, errlen, "%s: larger than %zu bytes", name, max);
    if (!(*buf = malloc(f->len ? f->len : 1)))
        return db_errf(err, errlen, "%s: out of memory (%zu bytes)", name, f->len);
    memcpy(*buf, f->data, f->len);
    *len = f->len;
    *serial = f->serial;
    return 0;
}

/* A file for d: from the host for a host config or a name "host:NAME" (an
 * upgrade's image; *ref: its entry), else a boot module or file. */
static int read_for(struct mgr *m, struct mgr_dom *d, uint32_t *ref, const char *name, size_t max,
                    uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    if (from_host(name))
        return host_read(m, name + strlen(HOSTFILES_PREFIX), ref, max, buf, len, err, errlen);
    if (from_host(d->cfg_path)) return host_read(m, name, ref, max, buf, len, err, errlen);
    return m->read_file(m->file_ctx, name, max, buf, len, err, errlen);
}

/* A file d's config names (role: 0 kernel, 1 ramdisk, 2 + i module i). */
static int read_named(struct mgr *m, struct mgr_dom *d, int role, const char *name, size_t max, uint8_t **buf,
                      size_t *len, char *err, size_t errlen)
{
    return read_for(m, d, &d->hostref[role], name, max, buf, len, err, errlen);
}

struct mgr_dom *mgr_find(struct mgr *m, const char *s)
{
    char *end;
    unsigned long id = strtoul(s, &end, 10);
    int numeric = *s >= '0' && *s <= '9' && !*end;
    for (int i = 0; i < MGR_MAX_DOMS; i++) {
        struct mgr_dom *d = &m->dom[i];
        if (d->used && (numeric ? d->domid == id : !strcmp(d->cfg.name, s))) return d;
    }
    return NULL;
}

static struct mgr_dom *free_slot(struct mgr *m)
{
    for (int i = 0; i < MGR_MAX_DOMS; i++)
        if (!m->dom[i].used) return &m->dom[i];
    return NULL;
}

/* Connects our console back end: grant 0 mapped, its channel bound. */
static int console_connect(struct mgr *m, struct mgr_dom *d, const struct build_out *o, char *err,
                           size_t errlen)
{
    struct backend *b = m->b;
    d->cons = b->ops->map_grant(b, d->domid, GNTTAB_RESERVED_CONSOLE);
    if (!d->cons) return db_errf(err, errlen, "cannot map the console ring of domain %u", d->domid);
    int rc = b->ops->bind_interdomain(b, d->domid, o->console_port, &d->cons_lport);
    if (rc) {
        b->ops->unmap_grant(b, d->cons);
        d->cons = NULL;
        return db_errf(err, errlen, "cannot bind the console channel (%d)", rc);
    }
    snprintf(d->prefix, sizeof(d->prefix), "(d%u) ", d->domid);
    return 0;
}

static void console_disconnect(struct mgr *m, struct mgr_dom *d)
{
    if (!d->cons) return;
    mgr_console_poll(m, d);
    cons_flush(&d->lines, d->prefix, m->log.line, m->log.ctx);
    m->b->ops->unbind(m->b, d->cons_lport);
    m->b->ops->unmap_grant(m->b, d->cons);
    d->cons = NULL;
    d->attached = NULL;
}

struct images {
    uint8_t *kernel, *ramdisk;
    size_t kernel_len, ramdisk_len;
    int cached; /* m->imgcache's: not freed after the build */
};

/* The "modules" of a config as one multiboot package in im->ramdisk.  The
 * first module is the program: its command line is its arguments; the
 * others are named (base name first) so that the runtime shows them as
 * /boot/NAME. */
static int read_modules(struct mgr *m, struct mgr_dom *d, const char *extra0, struct images *im, char *err,
                        size_t errlen)
{
    const struct domcfg *c = &d->cfg;
    struct modpkg_item it[DOM_MAX_MODULES];
    uint8_t *data[DOM_MAX_MODULES] = { 0 };
    char cl[DOM_MAX_MODULES][DOM_SPEC_MAX + 1];
    int rc = 0;
    for (int i = 0; i < c->nmod && !rc; i++) {
        char file[DOM_SPEC_MAX + 1];
        size_t n = strcspn(c->module[i], " ");
        memcpy(file, c->module[i], n);
        file[n] = 0;
        const char *base = strrchr(file, '/');
        const char *args = c->module[i] + n + strspn(c->module[i] + n, " ");
        int w = i ? snprintf(cl[i], sizeof(cl[i]), "%s%s%s", base ? base + 1 : file, *args ? " " : "", args)
                  : snprintf(cl[i], sizeof(cl[i]), "%s%s%s", args, *args && *extra0 ? " " : "", extra0);
        if (w < 0 || (size_t)w >= sizeof(cl[i])) {
            rc = db_errf(err, errlen, "module %d: command line too long", i);
            break;
        }
        rc = read_named(m, d, 2 + i, file, MAX_RAMDISK, &data[i], &it[i].len, err, errlen);
        it[i].data = data[i];
        if (!rc && !i) { /* which program it runs (xl list -v, upgrades) */
            if (progelf_check(data[0], it[0].len, &d->prog)) d->prog.name[0] = d->prog.version[0] = 0;
            d->prog_crc = dc_crc32(0, data[0], it[0].len);
        }
        it[i].cmdline = cl[i];
    }
    if (!rc) rc = modpkg_build(it, c->nmod, &im->ramdisk, &im->ramdisk_len, err, errlen);
    for (int i = 0; i < c->nmod; i++)
        free(data[i]);
    return rc;
}

/* What d's images are kept under in the image cache (all that goes into
 * them: file names, module arguments, extra0), or NULL when they are not
 * kept: a file from the host (its entries change) or no cache. */
static char *cache_key(struct mgr *m, const struct mgr_dom *d, const char *extra0)
{
    const struct domcfg *c = &d->cfg;
    if (!m->imgcache || from_host(d->cfg_path) || from_host(c->kernel) || from_host(c->ramdisk)) return NULL;
    size_t n = strlen(c->kernel) + strlen(c->ramdisk) + strlen(extra0) + 3;
    for (int i = 0; i < c->nmod; i++) {
        if (from_host(c->module[i])) return NULL;
        n += strlen(c->module[i]) + 1;
    }
    char *key = malloc(n + 1), *p = key;
    if (!key) return NULL;
    p += sprintf(p, "%s\n%s\n%s", c->kernel, c->nmod ? "" : c->ramdisk, extra0);
    for (int i = 0; i < c->nmod; i++)
        p += sprintf(p, "\n%s", c->module[i]);
    return key;
}

static int read_images(struct mgr *m, struct mgr_dom *d, const char *extra0, struct images *im, char *err,
                       size_t errlen)
{
    const struct domcfg *c = &d->cfg;
    memset(im, 0, sizeof(*im));
    char *key = cache_key(m, d, extra0);
    const struct imgcache_entry *e = key ? imgcache_get(m->imgcache, key) : NULL;
    if (!e) {
        if (read_named(m, d, 0, c->kernel, MAX_KERNEL, &im->kernel, &im->kernel_len, err, errlen)) {
            free(key);
            return -1;
        }
        int rc = c->nmod         ? read_modules(m, d, extra0, im, err, errlen)
                 : c->ramdisk[0] ? read_named(m, d, 1, c->ramdisk, MAX_RAMDISK, &im->ramdisk,
                                              &im->ramdisk_len, err, errlen)
                                 : 0;
        if (rc) free(im->kernel);
        if (rc || !key ||
            !(e = imgcache_put(m->imgcache, key, im->kernel, im->kernel_len, im->ramdisk, im->ramdisk_len,
                               &d->prog, d->prog_crc))) {
            free(key);
            return rc;
        }
    }
    free(key);
    *im = (struct images){ e->kernel, e->ramdisk, e->kernel_len, e->ramdisk_len, 1 };
    if (c->nmod) { /* which program it runs, as read_modules found */
        d->prog = e->prog;
        d->prog_crc = e->prog_crc;
    }
    return 0;
}

/* Builds d->cfg as domain `want` (0: any), connects, unpauses. */
static int start(struct mgr *m, struct mgr_dom *d, uint32_t want, char *err, size_t errlen)
{
    struct images im;
    struct build_out o;
    char xsargs[128] = "";
    int is_xs = (d->cfg.caps & TESSERA_CAP_XENSTORE) && m->xenstore_domid == BUILD_NO_XENSTORE;
    if (is_xs && !d->cfg.nmod)
        mgr_logf(m, "domain-builder: %s has no program to tell about our xenstore connection", d->cfg.name);
    else if (is_xs && strstr(d->cfg.module[0], "--master-domid"))
        mgr_logf(m, "domain-builder: %s names its control domain itself: we do not connect", d->cfg.name);
    else if (is_xs && mgr_xs_prepare(m, want = want ? want : mgr_first_free_id(m), xsargs, sizeof(xsargs)))
        mgr_logf(m, "domain-builder: no xenstore connection for %s", d->cfg.name);
    if (!is_xs && d->cfg.state_pages) /* kept across its deaths: known before the build (its id) */
        mgr_state_prepare(m, d, want = want ? want : mgr_first_free_id(m), xsargs, sizeof(xsargs));
    uint64_t t0 = m->now_ms ? m->now_ms() : 0;
    if (read_images(m, d, xsargs, &im, err, errlen)) return -1;
    struct build_in in = { &d->cfg,
                           im.kernel,
                           im.kernel_len,
                           im.ramdisk,
                           im.ramdisk_len,
                           want,
                           is_xs ? BUILD_NO_XENSTORE : m->xenstore_domid,
                           d->cfg.nmod > 0 };
    int rc = build_domain(m->b, &in, &o, err, errlen);
    if (!im.cached) {
        free(im.kernel);
        free(im.ramdisk);
    }
    d->t_step[0] = (uint32_t)((m->now_ms ? m->now_ms() : 0) - t0);
    return rc ? -1 : mgr_start_built(m, d, &o, is_xs, err, errlen);
}

int mgr_start_built(struct mgr *m, struct mgr_dom *d, const struct build_out *o_, int is_xs, char *err,
                    size_t errlen)
{
    const struct build_out o = *o_;
    int rc;
    d->domid = o.domid;
    uint64_t t1 = m->now_ms ? m->now_ms() : 0;
    if (console_connect(m, d, &o, err, errlen)) {
        m->b->ops->destroy(m->b, o.domid);
        return -1;
    }
    /* xenstore before the guest runs: a guest whose store was not set up
     * would wait for it forever, so that is a failed create */
    if (!is_xs && mgr_xs_add(m, d, o.store_mfn, o.store_port, err, errlen)) {
        console_disconnect(m, d);
        mgr_xs_remove(m, d);
        m->b->ops->destroy(m->b, o.domid);
        return -1;
    }
    uint64_t t2 = m->now_ms ? m->now_ms() : 0;
    /* cpu_weight / cap before the guest runs (the hypervisor checks the range) */
    uint32_t w = d->cfg.cpu_weight_set ? d->cfg.cpu_weight : 0;
    uint32_t cap = d->cfg.cpu_cap_set ? d->cfg.cpu_cap : 0xffff;
    if ((w || cap != 0xffff) && (rc = m->b->ops->sched_credit(m->b, o.domid, 1, &w, &cap))) {
        console_disconnect(m, d);
        if (!is_xs) mgr_xs_remove(m, d);
        m->b->ops->destroy(m->b, o.domid);
        return db_errf(err, errlen, "%s: cpu_weight %u / cap %u refused by the hypervisor: %s", d->cfg.name,
                       d->cfg.cpu_weight, d->cfg.cpu_cap, strerror(-rc));
    }
    if (!d->start_paused && (rc = m->b->ops->unpause(m->b, o.domid))) {
        console_disconnect(m, d);
        if (!is_xs) mgr_xs_remove(m, d);
        m->b->ops->destroy(m->b, o.domid);
        return db_errf(err, errlen, "unpause of domain %u failed: %s", o.domid, strerror(-rc));
    }
    d->start_paused = 0;
    d->t_step[1] = (uint32_t)(t2 - t1);
    d->t_step[2] = (uint32_t)((m->now_ms ? m->now_ms() : 0) - t2);
    d->used = 1;
    d->preserved = 0;
    if (is_xs) {
        m->xenstore_domid = o.domid;
        mgr_xs_started(m);
    }
    return 0;
}

static int load_cfg(struct mgr *m, const char *path, const char *extra, struct domcfg *c, char *err,
                    size_t errlen)
{
    uint8_t *text;
    size_t len;
    uint32_t serial = 0;
    const char *name = from_host(path) ? path + strlen(HOSTFILES_PREFIX) : path;
    if (from_host(path) ? host_read(m, name, &serial, CFG_MAX_SIZE, &text, &len, err, errlen)
                        : m->read_file(m->file_ctx, path, CFG_MAX_SIZE, &text, &len, err, errlen))
        return -1;
    int rc = domcfg_parse_extra(name, (const char *)text, len, extra, c, err, errlen);
    free(text);
    return rc;
}

int mgr_create(struct mgr *m, const char *path, const char *extra, unsigned flags, uint32_t *domid, char *err,
               size_t errlen)
{
    static struct domcfg c;
    uint64_t t = m->create_times && m->now_ms ? m->now_ms() : 0;
    m->last_cfg = NULL;
    if (load_cfg(m, path, extra, &c, err, errlen)) return -1;
    m->last_cfg = &c;
    for (int i = 0; i < c.nwarn; i++)
        mgr_logf(m, "domain-builder: %s", c.warn[i]);
    struct mgr_dom *old = mgr_find(m, c.name);
    if (old) return db_errf(err, errlen, "domain '%s' already exists (id %u)", c.name, old->domid);
    struct mgr_dom *d = free_slot(m);
    if (!d) return db_errf(err, errlen, "too many domains (%d)", MGR_MAX_DOMS);
    if (flags & MGR_DRYRUN) {
        *domid = 0;
        return 0;
    }
    memset(d, 0, sizeof(*d));
    d->cfg = c;
    d->start_paused = !!(flags & MGR_PAUSED);
    snprintf(d->cfg_path, sizeof(d->cfg_path), "%s", path);
    if (start(m, d, c.domid, err, errlen)) {
        memset(d, 0, sizeof(*d));
        return -1;
    }
    *domid = d->domid;
    d->t_create = t;
    mgr_logf(m, "domain-builder: created domain %u (%s)", d->domid, d->cfg.name);
    return 0;
}

/* Takes the domain down and forgets its console (and, unless keep, its
 * xenstore nodes); the slot stays as it is. */
static int teardown(struct mgr *m, struct mgr_dom *d, int keep, char *err, size_t errlen)
{
    console_disconnect(m, d);
    if (d->domid != m->xenstore_domid && !keep) mgr_xs_remove(m, d);
    int rc = m->b->ops->destroy(m->b, d->domid);
    if (rc && rc != -ESRCH) return db_errf(err, errlen, "destroy of domain %u failed (%d)", d->domid, rc);
    if (m->xenstore_domid == d->domid) m->xenstore_domid = BUILD_NO_XENSTORE;
    return 0;
}

int mgr_destroy(struct mgr *m, struct mgr_dom *d, char *err, size_t errlen)
{
    if (teardown(m, d, 0, err, errlen)) return -1;
    mgr_state_release(m, d);
    mgr_logf(m, "domain-builder: destroyed domain %u (%s)", d->domid, d->cfg.name);
    memset(d, 0, sizeof(*d));
    return 0;
}

/* A restart; spec (non-NULL): module 0 becomes spec, found through *ref
 * (host configs), falling back to the previous one if that cannot start. */
static int restart(struct mgr *m, struct mgr_dom *d, int same_id, const char *spec, uint32_t ref, char *err,
                   size_t errlen)
{
    uint32_t old = d->domid;
    uint64_t t0 = m->now_ms ? m->now_ms() : 0, t1 = t0, t2;
    /* A service domain comes back as the same domain id with the same
     * xenstore nodes: its frontends stay connected.  Paused first so that
     * a running one creates no node while they are taken over. */
    int keep = same_id && old != m->xenstore_domid;
    if (keep) {
        m->b->ops->pause(m->b, old); /* fails harmlessly when it has shut down */
        mgr_xs_keep(m, d);
        t1 = m->now_ms ? m->now_ms() : 0;
    }
    if (teardown(m, d, keep, err, errlen)) return -1;
    if (keep) mgr_xs_forget(m, d);
    t2 = m->now_ms ? m->now_ms() : 0;
    d->used = 0;
    char was[DOM_SPEC_MAX + 1];
    uint32_t was_ref = d->hostref[2];
    int upgrade_failed = 0;
    if (spec) {
        memcpy(was, d->cfg.module[0], sizeof(was));
        snprintf(d->cfg.module[0], sizeof(d->cfg.module[0]), "%s", spec);
        d->hostref[2] = ref;
        if (start(m, d, same_id ? old : 0, err, errlen)) {
            mgr_logf(m, "domain-builder: %s: the new program did not start (%s); back to the previous one",
                     d->cfg.name, err);
            memcpy(d->cfg.module[0], was, sizeof(was));
            d->hostref[2] = was_ref;
            upgrade_failed = 1;
            spec = NULL;
        }
    }
    if (!spec && start(m, d, same_id ? old : 0, err, errlen)) {
        mgr_logf(m, "domain-builder: restart of %s failed: %s", d->cfg.name, err);
        memset(d, 0, sizeof(*d));
        return -1;
    }
    mgr_logf(m, "domain-builder: restarted %s as domain %u", d->cfg.name, d->domid);
    if (d->prog.name[0])
        mgr_logf(m, "domain-builder: %s runs program %s version %s (image crc32 %08x)", d->cfg.name,
                 d->prog.name, d->prog.version, (unsigned)d->prog_crc);
    if (m->now_ms) /* where a restart's time goes (docs/restart.md) */
        mgr_logf(m,
                 "domain-builder: %s's restart began at %llu ms: nodes kept in %u ms, destroyed in %u ms, "
                 "built in %u ms (read+build %u, console+xenstore %u, unpause %u)",
                 d->cfg.name, (unsigned long long)t0, (unsigned)(t1 - t0), (unsigned)(t2 - t1),
                 (unsigned)(m->now_ms() - t2), d->t_step[0], d->t_step[1], d->t_step[2]);
    if (upgrade_failed)
        return db_errf(err, errlen, "the new program of %s did not start; restarted with its previous one",
                       d->cfg.name);
    return 0;
}

int mgr_restart(struct mgr *m, struct mgr_dom *d, int same_id, char *err, size_t errlen)
{
    return restart(m, d, same_id, NULL, 0, err, errlen);
}

int mgr_upgrade(struct mgr *m, struct mgr_dom *d, const char *image, char *err, size_t errlen)
{
    char spec[DOM_SPEC_MAX + 1];
    if (!d->cfg.nmod) return db_errf(err, errlen, "%s has no program (modules) to replace", d->cfg.name);
    const char *args = d->cfg.module[0] + strcspn(d->cfg.module[0], " ");
    int w = snprintf(spec, sizeof(spec), "%s%s", image, args);
    if (!*image || strchr(image, ' ') || w < 0 || (size_t)w >= sizeof(spec))
        return db_errf(err, errlen, "'%s': not a usable image name", image);
    /* everything checked before the running domain is touched */
    uint32_t ref = 0;
    uint8_t *img;
    size_t len;
    struct progelf_info pi;
    if (read_for(m, d, &ref, image, MAX_RAMDISK, &img, &len, err, errlen)) return -1;
    const char *why = progelf_check(img, len, &pi);
    free(img);
    if (why) return db_errf(err, errlen, "%s: not a program the runtime can load: %s", image, why);
    if (!pi.name[0])
        return db_errf(err, errlen, "%s: not a service program (no program note: servers/lib/progver.h)",
                       image);
    if (d->prog.name[0] && strcmp(pi.name, d->prog.name))
        return db_errf(err, errlen, "%s is program %s, %s runs %s", image, pi.name, d->cfg.name,
                       d->prog.name);
    return restart(m, d, 1, spec, ref, err, errlen);
}

int mgr_shutdown(struct mgr *m, struct mgr_dom *d, uint32_t reason, char *err, size_t errlen)
{
    const char *val = reason == SHUTDOWN_reboot ? "reboot" : "poweroff";
    if (!mgr_xs_shutdown(m, d, val)) return 0;
    int rc = m->b->ops->remote_shutdown(m->b, d->domid, reason);
    return rc ? db_errf(err, errlen, "shutdown of domain %u failed (%d)", d->domid, rc) : 0;
}

int mgr_adopt(struct mgr *m)
{
    db_dominfo i;
    int n = 0;
    for (uint32_t id = 0; !m->b->ops->getinfo(m->b, id, &i); id = i.domain + 1u) {
        struct mgr_dom *d;
        if (i.domain == m->b->self || !(d = free_slot(m))) continue;
        memset(d, 0, sizeof(*d));
        d->used = 1;
        d->domid = i.domain;
        snprintf(d->cfg.name, sizeof(d->cfg.name), "d%u", (unsigned)i.domain);
        d->cfg.on_poweroff = d->cfg.on_reboot = d->cfg.on_crash = ACT_DESTROY;
        mgr_logf(m, "domain-builder: adopted domain %u from a previous instance as %s", d->domid,
                 d->cfg.name);
        n++;
        if (i.domain >= DOMID_FIRST_RESERVED - 1) break;
    }
    return n;
}

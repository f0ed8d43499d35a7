/* `xl save [-c] DOMAIN NAME` and `xl restore [-p] NAME` (docs/save-restore.md).
 * The image lives in the builder's store of host files (mgr/hostfiles.h)
 * under NAME, as `xl put` leaves files there: `xl restore` reads one that was
 * saved here or sent from the host.  A save asks the guest to suspend
 * through xenstore (control/shutdown = "suspend", Linux's own path), or
 * takes a guest that suspended itself; a failed save, and a checkpoint
 * (-c: xlcmd's "c" flag), resume it with its suspend cancelled; otherwise
 * the saved domain is destroyed, as xl does. */
#include "shell/xl_int.h"
#include "util.h"
#include "decompress.h" /* dc_crc32 */
#include "save/cfgtext.h"
#include "save/save.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xen/sched.h>

int xl_save_wait_ms = 30000; /* how long a guest has to suspend */

static int suspended(const db_dominfo *i)
{
    return (i->flags & XEN_DOMINF_shutdown) &&
           ((i->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == SHUTDOWN_suspend;
}

int xl_suspend(struct mgr *m, struct mgr_dom *d, char *err, size_t errlen)
{
    db_dominfo i;
    if (!m->b->ops->getinfo(m->b, d->domid, &i) && suspended(&i)) return 0; /* it suspended itself */
    if (mgr_xs_shutdown(m, d, "suspend"))
        return db_errf(err, errlen,
                       "domain %u (%s) does not take suspend requests (no "
                       "xenstore control node)",
                       d->domid, d->cfg.name);
    for (int waited = 0; waited < xl_save_wait_ms; waited += 10) {
        int rc = m->b->ops->getinfo(m->b, d->domid, &i);
        if (rc || i.domain != d->domid)
            return db_errf(err, errlen, "domain %u went away while suspending", d->domid);
        if (suspended(&i)) return 0;
        if (i.flags & XEN_DOMINF_shutdown)
            return db_errf(err, errlen, "domain %u shut down instead of suspending", d->domid);
        for (int k = 0; k < MGR_MAX_DOMS; k++)
            if (m->dom[k].used) mgr_console_poll(m, &m->dom[k]);
        nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
    }
    return db_errf(err, errlen, "domain %u did not suspend in %g s", d->domid, xl_save_wait_ms / 1000.0);
}

/* Acknowledged ("", as Linux leaves it) or never taken ("suspend", which
 * the guest would act on later, as libxl's cancel says); any other value is
 * a newer request and stays. */
void xl_suspend_clear(struct mgr *m, struct mgr_dom *d)
{
    char path[96], *val = NULL;
    if (!d->store_port || !mgr_xs_up(m)) return;
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d->domid);
    if (!xsc_read(m->xs, path, &val) && val && (!val[0] || !strcmp(val, "suspend"))) xsc_rm(m->xs, path);
    free(val);
}

/* A guest saved here suspended itself on control/shutdown = "suspend", so it
 * watches that node; Linux says so (control/feature-*) only at boot, and
 * without the nodes a restored guest would take no orderly shutdown and no
 * later suspend (its shutdown a forced one).  0, or a write's errno. */
int xl_announce_restored(struct mgr *m, struct mgr_dom *d)
{
    static const char *const features[] = { "feature-poweroff", "feature-reboot", "feature-suspend" };
    char path[96];
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
        snprintf(path, sizeof(path), "/local/domain/%u/control/%s", d->domid, features[i]);
        int rc = mgr_xs_up(m) ? xsc_write(m->xs, path, "1") : -EIO;
        if (rc) return rc;
    }
    return 0;
}

/* The image must fit the store (mgr/hostfiles.h): it holds about 4 KiB
 * and a PFN for each of the domain's pages.  Checked before the guest is
 * asked to suspend; the unused files that must go are evicted now, before
 * the builder holds the image as well. */
static int room(struct mgr *m, struct mgr_dom *d, char *err, size_t errlen)
{
    db_dominfo i;
    if (m->b->ops->getinfo(m->b, d->domid, &i) || i.domain != d->domid)
        return db_errf(err, errlen, "no domain %u", d->domid);
    uint64_t need = i.tot_pages * 4104ull;
    if (need > HOSTFILES_BYTES)
        return db_errf(err, errlen,
                       "%s has %llu MiB of memory: its image cannot fit the store of "
                       "host files (%u MiB in all); not suspended",
                       d->cfg.name, (unsigned long long)(i.tot_pages >> 8), HOSTFILES_BYTES >> 20);
    return hostfiles_reserve(&m->host, (size_t)need, err, errlen);
}

/* The image into the store as NAME; takes w's buffer. */
static int store(struct mgr *m, const char *name, struct save_buf *w, char *err, size_t errlen)
{
    if (hostfiles_reserve(&m->host, w->len, err, errlen)) {
        save_free(w);
        return -1;
    }
    uint8_t *fit = realloc(w->data, w->len); /* the store keeps it: no slack */
    if (fit) w->data = fit;
    hostfiles_add(&m->host, name, w->data, w->len, dc_crc32(0, w->data, w->len));
    w->data = NULL;
    return 0;
}

int xl_stream_cfg(const struct mgr_dom *d, char *text, size_t size, char *err, size_t errlen)
{
    static struct domcfg pinned;
    pinned = d->cfg;
    if (save_cfg_pin(&pinned, d->domid, err, errlen)) return -1;
    int tl = save_cfg_text(&pinned, text, size);
    return tl < 0 ? db_errf(err, errlen, "its config does not fit a save image") : tl;
}

void xl_save(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    char err[MGR_ERR_LEN], text[16384];
    const char *name = c->pos[1];
    int checkpoint = xl_opt(c, 'c');
    struct mgr_dom *d = mgr_find(m, c->pos[0]);
    if (!d || d->domid == m->b->self) {
        say(s, "xl: %s", d ? "the builder cannot save itself" : "no such domain");
        return;
    }
    int tl = xl_stream_cfg(d, text, sizeof(text), err, sizeof(err));
    if (tl < 0) {
        say(s, "xl: save of %s refused: %s", d->cfg.name, err);
        return;
    }
    if (room(m, d, err, sizeof(err))) {
        say(s, "xl: save of %s refused: %s", d->cfg.name, err);
        return;
    }
    if (xl_suspend(m, d, err, sizeof(err))) {
        xl_suspend_clear(m, d);
        say(s, "xl: %s", err);
        return;
    }
    struct save_buf w;
    int rc = save_domain(m->b, d->domid, text, (size_t)tl, &w, err, sizeof(err));
    size_t len = w.len;
    if (!rc) rc = store(m, name, &w, err, sizeof(err));
    if (rc || checkpoint) {
        int r2 = m->b->ops->resume(m->b, d->domid);
        xl_suspend_clear(m, d);
        if (rc) {
            say(s, "xl: save of %s failed: %s; %s", d->cfg.name, err,
                r2 ? "it stays suspended" : "it runs on");
            return;
        }
        if (r2) {
            say(s, "xl: saved %s as %s, but it cannot run on: %s", d->cfg.name, name, strerror(-r2));
            return;
        }
        say(s, "saved domain %u (%s) as %s (%zu bytes), checkpoint: it runs on", d->domid, d->cfg.name, name,
            len);
        return;
    }
    char was[DOM_NAME_MAX + 16];
    snprintf(was, sizeof(was), "%u (%s)", d->domid, d->cfg.name);
    if (mgr_destroy(m, d, err, sizeof(err))) {
        say(s, "xl: saved as %s, but %s", name, err);
        return;
    }
    say(s, "saved domain %s as %s (%zu bytes)", was, name, len);
}

void xl_restore(struct mgr *m, struct xl_session *s, const struct xl_cmd *c)
{
    static struct domcfg cfg;
    char err[MGR_ERR_LEN];
    struct save_image im;
    const struct hostfile *f = hostfiles_find(&m->host, c->arg, 0, 0, 0);
    if (!f) {
        say(s, "xl: %s: no such save image (xl save, or scripts/xl put)", c->arg);
        return;
    }
    if (save_parse(f->data, f->len, &im, err, sizeof(err)) ||
        domcfg_parse(c->arg, im.cfg, im.cfg_len, &cfg, err, sizeof(err))) {
        say(s, "xl: %s: %s", c->arg, err);
        return;
    }
    struct mgr_dom *old = mgr_find(m, cfg.name), *d = NULL;
    for (int i = 0; !old && !d && i < MGR_MAX_DOMS; i++)
        d = m->dom[i].used ? NULL : &m->dom[i];
    if (old || !d) {
        say(s, "xl: %s", old ? "a domain of that name exists" : "too many domains");
        return;
    }
    struct build_in in = { &cfg, NULL, 0, NULL, 0, 0, m->xenstore_domid, 0 };
    struct build_out o;
    if (restore_domain(m->b, &im, &in, &o, err, sizeof(err))) {
        say(s, "xl: restore of %s failed: %s", c->arg, err);
        return;
    }
    memset(d, 0, sizeof(*d));
    d->cfg = cfg;
    d->start_paused = xl_opt(c, 'p');
    snprintf(d->cfg_path, sizeof(d->cfg_path), "restored from %.200s", c->arg);
    if (mgr_start_built(m, d, &o, 0, err, sizeof(err))) {
        memset(d, 0, sizeof(*d));
        say(s, "xl: restore of %s failed: %s", c->arg, err);
        return;
    }
    int rc = xl_announce_restored(m, d);
    if (rc)
        mgr_logf(m,
                 "domain-builder: restored domain %u (%s): control/feature-* not written (%d): xl "
                 "shutdown will force it",
                 d->domid, d->cfg.name, rc);
    mgr_logf(m, "domain-builder: restored domain %u (%s) from %s", d->domid, d->cfg.name, c->arg);
    say(s, "restored domain %u (%s)%s", d->domid, d->cfg.name, xl_opt(c, 'p') ? ", paused" : "");
}

const struct xl_verb xl_verbs_save[] = {
    { "save", 2, 2, "c", "xl save [-c] DOMAIN NAME", xl_save, NULL },
    { "restore", 1, 1, "p", "xl restore [-p] NAME", xl_restore, NULL },
    { NULL, 0, 0, NULL, NULL, NULL, NULL },
};

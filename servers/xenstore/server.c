/*
 * server.c: the server object: defaults, the initial tree (as Xen's: /,
 * /tool and /tool/xenstored, owned by domain 0 with no access for others;
 * the two special watch nodes likewise), recovery from the state directory,
 * and teardown.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

void xs_config_default(struct xs_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->quota_nodes = 1000;
    cfg->quota_entry_size = 2048;
    cfg->quota_watches = 128;
    cfg->quota_transactions = 10;
    cfg->quota_perms = 5;
    cfg->outq_limit = 256 * 1024;
    cfg->outq_events = 1024;
    cfg->conn_share_permille = 20; /* 2% of the time per unprivileged domain, */
    cfg->conn_burst_ms = 200;      /* after 200 ms at once (a guest's boot) */
    cfg->journal_limit = 4u * 1024 * 1024;
}

/* Both programs take the same quota options (Xen's xenstored letters); a
 * value that is not a whole number from 1 to 1,000,000 is refused rather than
 * read as 0, which would let no domain write anything.  Any other letter is
 * the program's usage: -h exits 0, anything else 2. */
int xs_config_option(struct xs_config *cfg, int opt, const char *arg, void (*usage)(void))
{
    unsigned *q = opt == 'E'   ? &cfg->quota_nodes
                  : opt == 'S' ? &cfg->quota_entry_size
                  : opt == 'W' ? &cfg->quota_watches
                  : opt == 't' ? &cfg->quota_transactions
                  : opt == 'A' ? &cfg->quota_perms
                               : NULL;
    if (opt == 'V') {
        cfg->verbose = true;
        return -1;
    }
    if (!q) {
        usage();
        return opt == 'h' ? 0 : 2;
    }
    char *end;
    unsigned long v = strtoul(arg, &end, 10);
    if (!*arg || *end || *arg == '-' || v < 1 || v > 1000000) {
        fprintf(stderr, "xenstored: -%c wants a whole number from 1 to 1000000, not '%s'\n", opt, arg);
        return 2;
    }
    *q = (unsigned)v;
    return -1;
}

struct xs_server *xs_server_new(const struct xs_config *cfg)
{
    struct xs_server *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->cfg = *cfg;
    s->logging = cfg->verbose;
    htab_init(&s->tree);
    static const struct xs_perm none0 = { 0, XS_PERM_NONE };
    /* the initial tree of Xen's daemon: /, /tool, /tool/xenstored */
    static const char *const initial[][2] = { { "/", "tool" },
                                              { "/tool", "xenstored" },
                                              { "/tool/xenstored", NULL } };
    for (unsigned i = 0; i < 3; i++) {
        struct xs_node *n = node_new(initial[i][0]);
        node_set_perms(n, &none0, 1);
        if (initial[i][1]) node_add_child(n, initial[i][1]);
        store_apply_put(s, n);
    }
    s->special[0].name = "@introduceDomain";
    s->special[1].name = "@releaseDomain";
    for (int i = 0; i < 2; i++) {
        s->special[i].perms = malloc(sizeof(none0));
        if (!s->special[i].perms) abort();
        s->special[i].perms[0] = none0;
        s->special[i].nperms = 1;
    }
    return s;
}

void xs_server_set_hooks(struct xs_server *s, const struct xs_domain_hooks *hooks)
{
    if (hooks)
        s->hooks = *hooks;
    else
        memset(&s->hooks, 0, sizeof(s->hooks));
}

int xs_server_recover(struct xs_server *s, const struct xs_domain_hooks *hooks)
{
    xs_server_set_hooks(s, hooks);
    if (!s->cfg.state_dir && !s->cfg.state) return 0;
    return journal_open(s);
}

void xs_server_maybe_compact(struct xs_server *s)
{
    if (journal_size(s) > s->cfg.journal_limit) journal_compact(s);
}

bool xs_server_crash_pending(const struct xs_server *s) { return s->crash_pending; }

const struct xs_stats *xs_server_stats(const struct xs_server *s) { return &s->stats; }

void xs_server_free(struct xs_server *s)
{
    if (!s) return;
    journal_close(s); /* teardown is not a change of state */
    while (s->conns) {
        struct xs_conn *c = s->conns;
        if (c->is_domain && s->hooks.release) s->hooks.release(s->hooks.ctx, c);
        xs_conn_free(c);
    }
    htab_free(&s->tree);
    for (uint32_t b = 0; b < (XS_DOMID_LIMIT + 127) / 128; b++) {
        if (!s->doms[b]) continue;
        for (uint32_t i = 0; i < 128; i++)
            free(s->doms[b][i]);
        free(s->doms[b]);
    }
    for (int i = 0; i < 2; i++)
        free(s->special[i].perms);
    free(s);
}

void xs_log(struct xs_server *s, const char *fmt, ...)
{
    FILE *f = s->cfg.log ? s->cfg.log : stderr;
    va_list ap;
    va_start(ap, fmt);
    fputs("xenstored: ", f);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
    va_end(ap);
}

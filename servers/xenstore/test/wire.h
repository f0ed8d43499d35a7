/*
 * wire.h: a tiny scripted xenstore client for tests, shared by xsmsg (Unix
 * socket) and xs-ringc (host domain ring). It reads commands from stdin, one
 * per line, sends them on one connection and prints each reply as
 * "TYPE payload" with NUL bytes shown as '|'. Commands:
 *   [@T|@N] TYPE [arg...] request; args are NUL-terminated strings except the
 *                        value of WRITE; '' is an empty argument; @T sends the
 *                        request inside the last transaction started, @N in
 *                        transaction id N
 *   WAIT                 print the next message (or TIMEOUT)
 *   RAW hex...           send raw bytes, print nothing
 *   EXPECTEOF            print messages until the server closes (EOF) or TIMEOUT
 *   SYNC                 send a sync request (GET_DOMAIN_PATH 0) and print every
 *                        message that comes before its reply, but not the reply:
 *                        a server answers in order, so every event queued for
 *                        this connection before the sync request (by its own
 *                        requests or by other connections' requests that have
 *                        been answered) has been printed when SYNC returns
 * Replies to a request are awaited by req_id (WIRE_REPLY_MS; without one the
 * script stops with TIMEOUT or EOF and exits 1); watch events that arrive in
 * between are printed as they come. Nothing is read for a fixed time: the
 * time limits only bound how long a broken server can hang a test.
 */
#ifndef TESSERA_XS_TEST_WIRE_H
#define TESSERA_XS_TEST_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "msg_names.h"

/* generous: a loaded machine must not turn a slow reply into a failure */
#define WIRE_REPLY_MS 30000
#define WIRE_WAIT_MS  20000


struct wire_io {
    int (*send)(void *ctx, const void *buf, size_t len);
    /* 1: got a message (payload malloc'd), 0: timeout, -1: EOF/error */
    int (*recv)(void *ctx, struct xsd_sockmsg *h, char **payload, int timeout_ms);
    void *ctx;
};

static void wire_print(const struct xsd_sockmsg *h, const char *p)
{
    if (xs_msg_name(h->type))
        fputs(xs_msg_name(h->type), stdout);
    else
        printf("TYPE%u", h->type);
    if (h->len) putchar(' ');
    for (uint32_t i = 0; i < h->len; i++)
        putchar(p[i] ? p[i] : '|');
    putchar('\n');
    fflush(stdout);
}

static int wire_hex(const char *s, char *out, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) return -1;
        out[n++] = (char)v;
        s += 2;
    }
    return (int)n;
}

/*
 * Sends one request (payload of len bytes) and prints every message until its
 * reply (matched by req_id; watch events never are), the reply itself only if
 * print_reply. A TRANSACTION_START reply sets *last_tx. Returns 1 if no reply
 * came: the rest of the script would be meaningless.
 */
static int wire_request(struct wire_io *io, uint32_t type, uint32_t tx, const char *payload, size_t len,
                        uint32_t req_id, bool print_reply, uint32_t *last_tx)
{
    static char msg[sizeof(struct xsd_sockmsg) + 65536];
    struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx, .len = (uint32_t)len };
    if (len > sizeof(msg) - sizeof(h)) return 1;
    memmove(msg + sizeof(h), payload, len);
    memcpy(msg, &h, sizeof(h));
    if (io->send(io->ctx, msg, sizeof(h) + len)) return 1;
    for (;;) {
        struct xsd_sockmsg r;
        char *p;
        int rc = io->recv(io->ctx, &r, &p, WIRE_REPLY_MS);
        if (rc <= 0) {
            puts(rc ? "EOF" : "TIMEOUT");
            fflush(stdout);
            return 1;
        }
        bool mine = r.type != XS_WATCH_EVENT && r.req_id == req_id;
        if (!mine || print_reply) wire_print(&r, p);
        if (mine && r.type == XS_TRANSACTION_START && last_tx) *last_tx = (uint32_t)strtoul(p, NULL, 10);
        free(p);
        if (mine) return 0;
    }
}

/* Returns 0 if every command ran (replies may be errors), 1 on I/O failure. */
static int wire_script(struct wire_io *io, FILE *in, uint32_t req_base)
{
    char line[8192];
    uint32_t req_id = req_base, last_tx = 0;
    static char buf[sizeof(struct xsd_sockmsg) + 65536];
    while (fgets(line, sizeof(line), in)) {
        char *tok[256];
        int nt = 0;
        for (char *t = strtok(line, " \t\n"); t && nt < 256; t = strtok(NULL, " \t\n"))
            tok[nt++] = t;
        if (!nt || tok[0][0] == '#') continue;
        struct xsd_sockmsg h;
        char *p;
        if (!strcmp(tok[0], "WAIT") || !strcmp(tok[0], "EXPECTEOF")) {
            bool all = tok[0][0] == 'E';
            for (;;) {
                int r = io->recv(io->ctx, &h, &p, WIRE_WAIT_MS);
                if (r <= 0) {
                    puts(r ? "EOF" : "TIMEOUT");
                    fflush(stdout);
                    break;
                }
                wire_print(&h, p);
                free(p);
                if (!all) break;
            }
            continue;
        }
        if (!strcmp(tok[0], "SYNC")) {
            if (wire_request(io, XS_GET_DOMAIN_PATH, 0, "0", 2, ++req_id, false, NULL)) return 1;
            continue;
        }
        if (!strcmp(tok[0], "RAW")) {
            size_t len = 0;
            for (int i = 1; i < nt; i++) {
                int n = wire_hex(tok[i], buf + len, sizeof(buf) - len);
                if (n < 0) return 1;
                len += (size_t)n;
            }
            if (io->send(io->ctx, buf, len)) return 1;
            continue;
        }
        int first = 0;
        uint32_t tx = 0;
        if (!strcmp(tok[0], "@T")) {
            tx = last_tx;
            first = 1;
        } else if (tok[0][0] == '@' && tok[0][1] >= '0' && tok[0][1] <= '9') {
            tx = (uint32_t)strtoul(tok[0] + 1, NULL, 10);
            first = 1;
        }
        if (first >= nt) return 1;
        int type = xs_msg_type(tok[first]);
        if (type < 0) {
            fprintf(stderr, "unknown type %s\n", tok[first]);
            return 1;
        }
        size_t len = sizeof(h);
        for (int i = first + 1; i < nt; i++) {
            const char *a = strcmp(tok[i], "''") ? tok[i] : "";
            size_t al = strlen(a);
            bool nul = !(type == XS_WRITE && i == nt - 1 && i > first + 1);
            memcpy(buf + len, a, al);
            len += al;
            if (nul) buf[len++] = '\0';
        }
        if (type == XS_TRANSACTION_START && nt == first + 1) buf[len++] = '\0';
        if (wire_request(io, (uint32_t)type, tx, buf + sizeof(h), len - sizeof(h), ++req_id, true, &last_tx))
            return 1;
    }
    return 0;
}

#endif

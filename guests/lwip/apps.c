/* The guest's servers on lwIP's raw TCP API, and its probe: TCP echo (every
 * byte back, in order; what does not fit the send buffer waits, unacked, for
 * the peer to take what was sent), a small HTTP/1.0 server (GET / answers a
 * page naming the domain; other paths 404; anything that is not a GET
 * request line within 1 KiB gets 400), and with peer= on the command line a
 * client that checks a peer's echo and page and prints what came back. */
#include "guest.h"

#include "lwip/tcp.h"
#include "lwip/timeouts.h"

/* ---- echo ---- */
struct echo {
    struct pbuf *pending; /* received, not yet written back */
};

static err_t echo_close(struct tcp_pcb *pcb, struct echo *e)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    if (e) {
        if (e->pending) pbuf_free(e->pending);
        mem_free(e);
    }
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

/* Write what fits of the pending data; acknowledge it to the peer's window. */
static void echo_flush(struct tcp_pcb *pcb, struct echo *e)
{
    while (e->pending) {
        struct pbuf *p = e->pending;
        u16_t room = tcp_sndbuf(pcb);
        u16_t n = p->len < room ? p->len : room;
        if (!n || tcp_write(pcb, p->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK) break;
        tcp_recved(pcb, n);
        if (n < p->len) {
            pbuf_remove_header(p, n);
            break;
        }
        e->pending = p->next;
        if (p->next) pbuf_ref(p->next);
        pbuf_free(p);
    }
    tcp_output(pcb);
}

static err_t echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)len;
    if (arg) echo_flush(pcb, arg);
    return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct echo *e = arg;
    if (!p || err != ERR_OK) {
        if (p) pbuf_free(p);
        return echo_close(pcb, e);
    }
    if (e->pending)
        pbuf_cat(e->pending, p);
    else
        e->pending = p;
    echo_flush(pcb, e);
    return ERR_OK;
}

static void echo_err(void *arg, err_t err)
{
    (void)err;
    struct echo *e = arg;
    if (e) {
        if (e->pending) pbuf_free(e->pending);
        mem_free(e);
    }
}

/* A new connection gets a zeroed state of size bytes and its callbacks (no
 * memory: refused with a reset). */
static err_t accept_with(struct tcp_pcb *pcb, err_t err, size_t size, tcp_recv_fn recv, tcp_sent_fn sent,
                         tcp_err_fn errf)
{
    if (err != ERR_OK || !pcb) return ERR_VAL;
    void *st = mem_calloc(1, (mem_size_t)size);
    if (!st) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    tcp_arg(pcb, st);
    tcp_recv(pcb, recv);
    if (sent) tcp_sent(pcb, sent);
    tcp_err(pcb, errf);
    return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    return accept_with(pcb, err, sizeof(struct echo), echo_recv, echo_sent, echo_err);
}

/* ---- HTTP ---- */
#define HTTP_REQ_MAX 1024

struct http {
    char req[HTTP_REQ_MAX];
    u16_t n;
};

static void http_free(struct tcp_pcb *pcb, struct http *h)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_err(pcb, NULL);
    mem_free(h);
}

static err_t http_answer(struct tcp_pcb *pcb, struct http *h, int code, const char *body)
{
    char head[192];
    const char *what = code == 200   ? "OK"
                       : code == 404 ? "Not Found"
                       : code == 405 ? "Method Not Allowed"
                                     : "Bad Request";
    size_t blen = strlen(body);
    int n = snprintf(
        head, sizeof(head),
        "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
        code, what, blen);
    bool ok = tcp_write(pcb, head, (u16_t)n, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) == ERR_OK &&
              tcp_write(pcb, body, (u16_t)blen, TCP_WRITE_FLAG_COPY) == ERR_OK;
    http_free(pcb, h);
    /* the FIN goes after the answer; lwIP frees the connection when it is done */
    if (!ok || tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

/* The page: one line naming the domain (the tests read it exactly). */
static void page(char *buf, size_t cap)
{
    snprintf(buf, cap, "Hello from Tessera: lwIP guest %s, domain %u, address %s\n", self_name, self_domid,
             ip4addr_ntoa(netif_ip4_addr(&vif_netif)));
}

static err_t http_request(struct tcp_pcb *pcb, struct http *h)
{
    char body[160];
    char *eol = NULL;
    for (u16_t i = 0; i + 1 < h->n; i++)
        if (h->req[i] == '\r' && h->req[i + 1] == '\n') {
            eol = &h->req[i];
            break;
        }
    if (!eol) {
        return http_answer(pcb, h, 400, "bad request\n");
    }
    *eol = 0;
    /* METHOD SP PATH SP HTTP/x.y */
    char *sp1 = strstr(h->req, " ");
    char *sp2 = sp1 ? strstr(sp1 + 1, " ") : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/", 5) || sp1[1] != '/') {
        return http_answer(pcb, h, 400, "bad request\n");
    }
    *sp1 = *sp2 = 0;
    if (strcmp(h->req, "GET")) {
        return http_answer(pcb, h, 405, "only GET\n");
    }
    if (strcmp(sp1 + 1, "/") && strcmp(sp1 + 1, "/index.html")) {
        return http_answer(pcb, h, 404, "not found\n");
    }
    page(body, sizeof(body));
    return http_answer(pcb, h, 200, body);
}

static err_t http_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct http *h = arg;
    if (!p || err != ERR_OK) {
        if (p) pbuf_free(p);
        http_free(pcb, h);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    u16_t take = p->tot_len;
    if (take > HTTP_REQ_MAX - h->n) take = (u16_t)(HTTP_REQ_MAX - h->n);
    pbuf_copy_partial(p, h->req + h->n, take, 0);
    h->n = (u16_t)(h->n + take);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    /* the request line and headers end with an empty line */
    bool whole = false;
    for (u16_t i = 0; i + 3 < h->n; i++)
        if (!memcmp(h->req + i, "\r\n\r\n", 4)) {
            whole = true;
            break;
        }
    /* once answered, the connection is closed (or aborted) and h freed */
    if (whole) return http_request(pcb, h);
    if (h->n == HTTP_REQ_MAX) return http_answer(pcb, h, 400, "request too long\n");
    return ERR_OK;
}

static void http_err(void *arg, err_t err)
{
    (void)err;
    if (arg) mem_free(arg);
}

static err_t http_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    return accept_with(pcb, err, sizeof(struct http), http_recv, NULL, http_err);
}

static void listen_on(u16_t port, tcp_accept_fn fn, const char *what)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb || tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK)
        guest_fail("%s: cannot bind TCP port %u", what, port);
    pcb = tcp_listen(pcb);
    if (!pcb) guest_fail("%s: cannot listen on TCP port %u", what, port);
    tcp_accept(pcb, fn);
}

void apps_init(void)
{
    listen_on(opts.echo_port, echo_accept, "echo");
    listen_on(opts.http_port, http_accept, "http");
    printf("lwip: serving TCP echo on port %u and HTTP on port %u\n", opts.echo_port, opts.http_port);
}

/* ---- the probe: peer's echo, then its page; retried each second ---- */
#define PROBE_TRIES     120
#define PROBE_REPLY_MAX 512

static struct probe {
    struct tcp_pcb *pcb;
    int step; /* 0: echo, 1: http, 2: done */
    unsigned tries;
    char msg[64];
    char reply[PROBE_REPLY_MAX];
    u16_t n;
} pr;

static void probe_next(void *arg);

static void probe_retry(void)
{
    if (++pr.tries >= PROBE_TRIES) {
        printf("lwip: probe %s: no answer after %u tries\n", ip4addr_ntoa(&opts.peer), pr.tries);
        return;
    }
    sys_timeout(1000, probe_next, NULL);
}

static void probe_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_err(pcb, NULL);
    pr.pcb = NULL;
}

/* The reply is complete (echo: as long as the message; http: the peer closed):
 * report it. */
static void probe_done(void)
{
    if (pr.step == 0) {
        pr.reply[pr.n] = 0;
        printf("lwip: probe %s: echo port %u answered '%s'%s\n", ip4addr_ntoa(&opts.peer), opts.echo_port,
               pr.reply, strcmp(pr.reply, pr.msg) ? " (NOT the message sent)" : "");
    } else {
        pr.reply[pr.n] = 0;
        char *body = strstr(pr.reply, "\r\n\r\n");
        char *nl = body ? strstr(body + 4, "\n") : NULL;
        if (nl) *nl = 0;
        printf("lwip: probe %s: http port %u answered '%s'\n", ip4addr_ntoa(&opts.peer), opts.http_port,
               body ? body + 4 : "(no body)");
    }
    pr.step++;
    pr.n = 0;
    if (pr.step < 2) sys_timeout(0, probe_next, NULL);
}

static err_t probe_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (!p || err != ERR_OK) {
        if (p) pbuf_free(p);
        probe_detach(pcb);
        bool complete = pr.step == 1 && pr.n > 0;
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            if (complete)
                probe_done();
            else
                probe_retry();
            return ERR_ABRT;
        }
        if (complete)
            probe_done();
        else
            probe_retry();
        return ERR_OK;
    }
    u16_t take = p->tot_len;
    if (take > PROBE_REPLY_MAX - 1 - pr.n) take = (u16_t)(PROBE_REPLY_MAX - 1 - pr.n);
    pbuf_copy_partial(p, pr.reply + pr.n, take, 0);
    pr.n = (u16_t)(pr.n + take);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (pr.step == 0 && pr.n >= strlen(pr.msg)) {
        probe_detach(pcb);
        err_t r = ERR_OK;
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            r = ERR_ABRT;
        }
        probe_done();
        return r;
    }
    return ERR_OK;
}

static void probe_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    pr.pcb = NULL; /* lwIP freed it */
    probe_retry();
}

static err_t probe_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err;
    const char *req = pr.step == 0 ? pr.msg : "GET / HTTP/1.0\r\n\r\n";
    if (tcp_write(pcb, req, (u16_t)strlen(req), TCP_WRITE_FLAG_COPY) != ERR_OK) {
        probe_detach(pcb);
        tcp_abort(pcb);
        probe_retry();
        return ERR_ABRT;
    }
    tcp_output(pcb);
    return ERR_OK;
}

static void probe_next(void *arg)
{
    (void)arg;
    if (ip4_addr_isany(netif_ip4_addr(&vif_netif))) {
        sys_timeout(1000, probe_next, NULL); /* no address yet (DHCP) */
        return;
    }
    pr.n = 0;
    pr.pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pr.pcb) {
        probe_retry();
        return;
    }
    tcp_recv(pr.pcb, probe_recv);
    tcp_err(pr.pcb, probe_err);
    ip_addr_t peer;
    ip_addr_copy_from_ip4(peer, opts.peer);
    struct tcp_pcb *pcb = pr.pcb;
    if (tcp_connect(pcb, &peer, pr.step == 0 ? opts.echo_port : opts.http_port, probe_connected) != ERR_OK) {
        probe_detach(pcb);
        tcp_abort(pcb);
        probe_retry();
    }
}

void probe_start(void)
{
    snprintf(pr.msg, sizeof(pr.msg), "hello from domain %u", self_domid);
    sys_timeout(500, probe_next, NULL);
}

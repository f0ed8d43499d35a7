/* xenbus_fe: the frontend's xenstore handshake (see xenbus_fe.h). */
#include "xenbus_fe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xen/io/xenbus.h>
#include <xen/xen.h>

static void seterr(struct xfe *f, const char *node, const char *fmt, const char *val)
{
    snprintf(f->err, sizeof(f->err), fmt, node, val);
}

int xfe_read(struct xfe *f, const char *dir, const char *node, char *buf, size_t cap)
{
    char path[XFE_PATH + 32], *v = NULL;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, node) >= sizeof(path)) {
        seterr(f, node, "%s: path too long%s", "");
        return -E2BIG;
    }
    int rc = xsc_read(f->xs, path, &v);
    if (rc) {
        snprintf(f->err, sizeof(f->err), "%s: cannot be read (%d)", path, rc);
        return rc;
    }
    size_t n = strlen(v);
    if (n >= cap) {
        snprintf(f->err, sizeof(f->err), "%s: value of %zu bytes is too long", path, n);
        free(v);
        return -E2BIG;
    }
    memcpy(buf, v, n + 1);
    free(v);
    return 0;
}

int xfe_read_uint(struct xfe *f, const char *dir, const char *node, unsigned long max, unsigned long *out)
{
    char v[24];
    int rc = xfe_read(f, dir, node, v, sizeof(v));
    if (rc) return rc;
    unsigned long n = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned long d = (unsigned long)(*p - '0');
        if (d > max || n > (max - d) / 10) {
            p = v; /* too large: refused below */
            break;
        }
        n = n * 10 + d;
    }
    if (p == v || *p) {
        snprintf(f->err, sizeof(f->err), "%s/%s: '%s' is not a number 0-%lu", dir, node, v, max);
        return -EINVAL;
    }
    *out = n;
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int xfe_read_mac(struct xfe *f, uint8_t mac[6])
{
    char v[32];
    int rc = xfe_read(f, f->fe, "mac", v, sizeof(v));
    if (rc) return rc;
    const char *p = v;
    for (int i = 0; i < 6; i++, p += 3) {
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
        if (lo < 0 || p[2] != (i < 5 ? ':' : 0)) {
            rc = -EINVAL;
            break;
        }
        mac[i] = (uint8_t)(hi * 16 + lo);
    }
    if (!rc && (mac[0] & 1)) rc = -EINVAL;
    if (rc) snprintf(f->err, sizeof(f->err), "%s/mac: '%s' is not a unicast MAC xx:xx:xx:xx:xx:xx", f->fe, v);
    return rc;
}

int xfe_printf(struct xfe *f, const char *node, const char *fmt, ...)
{
    char path[XFE_PATH + 32], val[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(val) ||
        (size_t)snprintf(path, sizeof(path), "%s/%s", f->fe, node) >= sizeof(path))
        return -E2BIG;
    int rc = xsc_write(f->xs, path, val);
    if (rc) snprintf(f->err, sizeof(f->err), "%s: cannot be written (%d)", path, rc);
    return rc;
}

int xfe_switch(struct xfe *f, int state) { return xfe_printf(f, "state", "%d", state); }

int xfe_open(struct xfe *f, struct xsc *xs, uint16_t self, const char *type, unsigned devid)
{
    memset(f, 0, sizeof(*f));
    f->xs = xs;
    if ((size_t)snprintf(f->fe, sizeof(f->fe), "/local/domain/%u/device/%s/%u", self, type, devid) >=
        sizeof(f->fe)) {
        snprintf(f->err, sizeof(f->err), "device type '%s' too long", type);
        return -EINVAL;
    }
    unsigned long id;
    int rc = xfe_read_uint(f, f->fe, "backend-id", DOMID_FIRST_RESERVED - 1, &id);
    if (rc) return rc;
    if (id == self) {
        snprintf(f->err, sizeof(f->err), "%s/backend-id: %lu is this domain", f->fe, id);
        return -EINVAL;
    }
    f->be_id = (uint16_t)id;
    rc = xfe_read(f, f->fe, "backend", f->be, sizeof(f->be));
    if (rc) return rc;
    /* the backend's directory is /local/domain/<backend-id>/backend/<type>/<self>/<devid>,
     * as the toolstack writes it; anything else would send our writes elsewhere */
    char want[XFE_PATH + 64];
    snprintf(want, sizeof(want), "/local/domain/%u/backend/%s/%u/%u", f->be_id, type, self, devid);
    if (strcmp(f->be, want)) {
        char got[64];
        snprintf(got, sizeof(got), "%.60s", f->be);
        snprintf(f->err, sizeof(f->err), "%s/backend: '%s' is not %s", f->fe, got, want);
        return -EINVAL;
    }
    return 0;
}

static long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int xfe_wait_backend(struct xfe *f, int want, int timeout_ms)
{
    char path[XFE_PATH + 8], token[16];
    snprintf(path, sizeof(path), "%s/state", f->be);
    snprintf(token, sizeof(token), "xfe%u", f->be_id);
    int rc = xsc_watch(f->xs, path, token);
    if (rc) {
        snprintf(f->err, sizeof(f->err), "%s: cannot be watched (%d)", path, rc);
        return rc;
    }
    long deadline = ms_now() + timeout_ms;
    for (;;) {
        unsigned long st = XenbusStateUnknown;
        rc = xfe_read_uint(f, f->be, "state", XenbusStateReconfigured, &st);
        if (rc && rc != -ENOENT) break;
        if (!rc && st == (unsigned long)want) break;
        if (!rc && (st == XenbusStateClosing || st == XenbusStateClosed)) {
            char why[96] = "";
            if (xfe_read(f, f->be, "hotplug-error", why, sizeof(why)))
                snprintf(why, sizeof(why), "no hotplug-error");
            snprintf(f->err, sizeof(f->err), "backend %s is %s (%s)", f->be,
                     st == XenbusStateClosing ? "Closing" : "Closed", why);
            rc = -ENODEV;
            break;
        }
        long left = deadline - ms_now();
        const char *p, *t;
        if (left <= 0 || (rc = xsc_next_event(f->xs, &p, &t, (int)left)) == -ETIMEDOUT) {
            snprintf(f->err, sizeof(f->err), "backend %s: state %lu, not %d after %d ms", f->be, st, want,
                     timeout_ms);
            rc = -ETIMEDOUT;
            break;
        }
        if (rc) {
            snprintf(f->err, sizeof(f->err), "xenstore: waiting for %s failed (%d)", path, rc);
            break;
        }
    }
    xsc_unwatch(f->xs, path, token);
    return rc;
}

/* Console ring access and line assembly (see console.h). */
#include "shell/console.h"

#include <stdio.h>
#include <string.h>

size_t cons_read_out(struct xencons_interface *r, char *buf, size_t max, int *corrupt)
{
    XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
    XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX avail = prod - cons;
    *corrupt = 0;
    if (avail > sizeof(r->out)) {
        *corrupt = 1;
        __atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
        return 0;
    }
    size_t n = avail < max ? avail : max;
    for (size_t i = 0; i < n; i++)
        buf[i] = ((volatile char *)r->out)[MASK_XENCONS_IDX(cons + i, r->out)];
    __atomic_store_n(&r->out_cons, cons + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
    return n;
}

size_t cons_write_in(struct xencons_interface *r, const char *data, size_t n)
{
    XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
    XENCONS_RING_IDX used = prod - cons;
    if (used > sizeof(r->in)) return 0; /* the domain broke its ring: write nothing */
    size_t space = sizeof(r->in) - used, k = n < space ? n : space;
    for (size_t i = 0; i < k; i++)
        ((volatile char *)r->in)[MASK_XENCONS_IDX(prod + i, r->in)] = data[i];
    __atomic_store_n(&r->in_prod, prod + (XENCONS_RING_IDX)k, __ATOMIC_RELEASE);
    return k;
}

static void emit_line(struct cons_lines *lb, const char *prefix, cons_emit_fn emit, void *ctx)
{
    char out[CONS_LINE_MAX + 64];
    lb->buf[lb->n] = 0;
    snprintf(out, sizeof(out), "%s%s", prefix, lb->buf);
    emit(ctx, out);
    lb->n = 0;
}

void cons_feed(struct cons_lines *lb, const char *data, size_t n, const char *prefix, cons_emit_fn emit,
               void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n') {
            emit_line(lb, prefix, emit, ctx);
            continue;
        }
        if (c == '\r') continue;
        lb->buf[lb->n++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '?';
        if (lb->n == CONS_LINE_MAX) emit_line(lb, prefix, emit, ctx);
    }
}

void cons_flush(struct cons_lines *lb, const char *prefix, cons_emit_fn emit, void *ctx)
{
    if (lb->n) emit_line(lb, prefix, emit, ctx);
}

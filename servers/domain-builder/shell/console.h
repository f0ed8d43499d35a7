/* Guest console rings (Xen's struct xencons_interface, io/console.h): the
 * builder is every domain's console back end.  The ring is shared with a
 * domain that may scribble on it at any time: indices are read once,
 * checked, and data copied out before it is used. */
#ifndef DB_CONSOLE_H
#define DB_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/console.h>

#define CONS_LINE_MAX 200

/* Copies up to max bytes of the out ring to buf and consumes them.  A ring
 * whose producer claims more than the ring holds is reset (*corrupt = 1). */
size_t cons_read_out(struct xencons_interface *r, char *buf, size_t max, int *corrupt);
/* Puts up to n bytes into the in ring; returns how many fitted. */
size_t cons_write_in(struct xencons_interface *r, const char *data, size_t n);

/* Splits a domain's output into prefixed, printable lines. */
struct cons_lines {
    char buf[CONS_LINE_MAX + 1];
    size_t n;
};
typedef void (*cons_emit_fn)(void *ctx, const char *line); /* without newline */
void cons_feed(struct cons_lines *lb, const char *data, size_t n, const char *prefix, cons_emit_fn emit,
               void *ctx);
/* Emits a pending partial line (e.g. when the domain goes away). */
void cons_flush(struct cons_lines *lb, const char *prefix, cons_emit_fn emit, void *ctx);

#endif

/* The second command line of the xl shell: COM2 (a 16550 UART at 0x2f8,
 * assigned to the builder as a device), or on the host a Unix socket or a
 * pair of descriptors standing in for it.  All kinds read without blocking;
 * com2_pollfd() tells the main loop what to wait on: for the UART its
 * interrupt (ISA IRQ 3, /dev/tessera/irq/3), or -1 if it has none (then the
 * UART is polled on a timer). */
#ifndef DB_COM2_H
#define DB_COM2_H

#include <stddef.h>
#include <stdint.h>

enum com2_kind { COM2_NONE, COM2_FDS, COM2_UNIX, COM2_UART };

struct com2 {
    enum com2_kind kind;
    int rfd, wfd;  /* FDS; UNIX: the client (or -1) */
    int lfd;       /* UNIX: listening socket; UART: its interrupt */
    uint16_t base; /* UART */
};

int com2_open_fds(struct com2 *c, int rfd, int wfd);
int com2_listen(struct com2 *c, const char *path, char *err, size_t errlen);
int com2_open_uart(struct com2 *c, uint16_t base, char *err, size_t errlen);
int com2_pollfd(const struct com2 *c);
/* Bytes waiting (up to n), 0 if none; a new client may be accepted first.
 * *change: COM2_CONNECTED when a new client connected (say hello),
 * COM2_GONE when the client went away (reset its session); the UART shows
 * neither (QEMU's socket chardev gives the guest no carrier line). */
enum { COM2_SAME, COM2_CONNECTED, COM2_GONE };
size_t com2_read(struct com2 *c, char *buf, size_t n, int *change);
/* The same for text that never holds a NUL byte (an upload's base64
 * lines): the UART's data register is read until it gives 0 (QEMU's 16550
 * returns 0 once its FIFO is empty), one trapped port read a byte instead of
 * two. */
size_t com2_read_text(struct com2 *c, char *buf, size_t n, int *change);
void com2_write(struct com2 *c, const char *buf, size_t n);

#endif

/* The console device (the arch's serial port): output for the log (console.c)
 * and guests, input for the console-owning domain. */
#ifndef TESSERA_CONSOLE_H
#define TESSERA_CONSOLE_H
#include "types.h"
void serial_init(void);
void console_write(const char *s, size_t n);
void serial_enable_rx(void);
unsigned serial_rx_interrupt(void);
size_t serial_rx_read(char *buf, size_t max);
#define VEC_SERIAL 0x24
/* console.c: a whole log line, kept in the console ring or not (printk: kept) */
void log_write(const char *s, size_t n, bool ring);
/* conring.c: the log's last bytes, for XEN_SYSCTL_readconsole */
struct xen_sysctl_readconsole;
void conring_put(const char *s, size_t n);
long conring_read(struct xen_sysctl_readconsole *op);
#endif

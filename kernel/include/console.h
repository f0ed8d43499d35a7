/* The hypervisor's serial console. */
#ifndef TESSERA_CONSOLE_H
#define TESSERA_CONSOLE_H
#include "types.h"
void serial_init(void);
void console_write(const char *s, size_t n);
#endif

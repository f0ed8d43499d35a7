/* I/O-port delegation to domains holding CAP_IO. */
#ifndef TESSERA_IOPORT_H
#define TESSERA_IOPORT_H
#include "types.h"
struct domain;
bool ioport_permitted(const struct domain *d, uint32_t port, unsigned size);
int ioport_set(struct domain *granter, struct domain *d, uint32_t first, uint32_t n, bool allow);
void ioport_parse_ranges(struct domain *d, const char *s);
#endif

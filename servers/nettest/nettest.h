/* nettest's modes share the connected vifs (nettest.c). */
#ifndef TESSERA_NETTEST_H
#define TESSERA_NETTEST_H

#include "nf.h"

#define NT_VIFS 4

extern struct nf nt_vif[NT_VIFS];
extern unsigned nt_nvif;
extern uint8_t nt_ip[NT_VIFS][4]; /* each vif's first configured IPv4 address */

/* Poll every vif; block up to ms when nothing happened. */
void nt_pump(unsigned ms);
/* The hostile-frontend conformance run (nt_hostile.c): 0 when every check
 * passed. */
int nt_hostile(int argc, char **argv);
/* The routing checks between two subnets (nt_route.c). */
void nt_route(void);

#endif

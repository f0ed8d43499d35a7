/* Our host xenstored for the netback host tests (NB_XENSTORED): started in
 * a temporary directory, connected to over its Unix socket. */
#ifndef NB_XSD_H
#define NB_XSD_H
#include "xsclient.h"
#include <sys/types.h>

struct xsd {
    pid_t pid;
    char dir[32], sock[64], pidf[64];
};
/* 0, or -1 when NB_XENSTORED is not set or does not start. */
int xsd_start(struct xsd *s);
struct xsc *xsd_conn(const struct xsd *s);
void xsd_stop(struct xsd *s);
#endif

/*
 * ring_host.h: a stand-in for grant-mapped ring pages and event channels on
 * the host. Domain D's page is the file DIR/domD.ring (4096 bytes, shared
 * with mmap); the domain kicks the server by writing a byte to the FIFO
 * DIR/domD.up and the server notifies it through DIR/domD.down. In the
 * service runtime the same hooks are implemented with /dev/xen/gntdev (or a
 * foreign mapping) and /dev/xen/evtchn.
 */
#ifndef TESSERA_RING_HOST_H
#define TESSERA_RING_HOST_H

#include <stdint.h>
#include <xen/io/xs_wire.h>

struct host_ring {
    struct xenstore_domain_interface *intf;
    int up_fd;   /* readable when the domain kicked us */
    int down_fd; /* we write here to notify the domain */
};

/* Create (if missing) and map domain domid's page and FIFOs. 0 or -errno. */
int host_ring_open(const char *dir, uint32_t domid, struct host_ring *out);
void host_ring_close(struct host_ring *r);
void host_ring_notify(void *handle); /* handle: struct host_ring * */
void host_ring_ack(struct host_ring *r);

#endif

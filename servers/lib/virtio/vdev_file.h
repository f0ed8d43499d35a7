/* struct vdev for a program in a service domain: the runtime's PCI device
 * file /dev/tessera/pci/SSSS:BB:DD.F (servers/lib/tpci.h). */
#ifndef TESSERA_VDEV_FILE_H
#define TESSERA_VDEV_FILE_H

#include "vdev.h"
#include "tpci.h"

struct vdev_file {
    struct vdev vdev;
    int fd; /* pollable: POLLIN when an interrupt fired */
    volatile uint8_t *bar[6];
    uint64_t bar_size[6];
};

/* Open the function ("0000:00:04.0").  0 or -errno. */
int vdev_file_open(struct vdev_file *v, const char *sbdf);

#endif

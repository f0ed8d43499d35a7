/* blkback host unit tests: the virtio transport and virtio-blk driver against
 * a fake device, the VBD map, the blkif backend against a fake frontend. */
#include "t.h"

int main(void)
{
    unit_begin();
    test_virtio();
    test_vbd();
    test_blkback();
    test_xenbus();
    return unit_end();
}

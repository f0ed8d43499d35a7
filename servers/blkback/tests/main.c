/* blkback host unit tests: the virtio transport and virtio-blk driver against
 * a fake device, the VBD map, the blkif backend against a fake frontend. */
#include "t.h"

int t_pass, t_fail;

int main(void)
{
    test_virtio();
    test_vbd();
    test_blkback();
    test_xenbus();
    printf("%d passed, %d failed\n", t_pass, t_fail);
    return t_fail != 0;
}

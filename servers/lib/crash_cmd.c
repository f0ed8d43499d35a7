/* The restart suites' fault injection (see crash_cmd.h). */
#include "crash_cmd.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <xen/sched.h>
#include <xen/sys/privcmd.h>

bool crash_command(const char *prog, const char *line)
{
    if (!strcmp(line, "crash")) {
        printf("%s: crashing (SIGKILL) at %llu us\n", prog, restart_now_us());
        kill(getpid(), SIGKILL);
        printf("error: cannot kill the program (%s)\n", strerror(errno));
        return true;
    }
    if (strcmp(line, "crash domain")) return false;
    printf("%s: crashing the domain at %llu us\n", prog, restart_now_us());
    /* sched_op_compat takes the reason itself rather than a pointer to it */
    privcmd_hypercall_t h = { __HYPERVISOR_sched_op_compat, { SCHEDOP_shutdown, SHUTDOWN_crash, 0, 0, 0 } };
    int fd = open("/dev/xen/privcmd", O_RDWR);
    if (fd < 0 || ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h) < 0)
        printf("error: cannot crash the domain (%s)\n", strerror(errno));
    if (fd >= 0) close(fd);
    return true;
}

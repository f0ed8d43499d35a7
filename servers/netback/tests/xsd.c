/* Our host xenstored for the netback host tests (see xsd.h). */
#include "xsd.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int xsd_start(struct xsd *s)
{
    const char *xsd = getenv("NB_XENSTORED");
    memset(s, 0, sizeof(*s));
    strcpy(s->dir, "/tmp/nb-xs-XXXXXX");
    if (!xsd || access(xsd, X_OK) || !mkdtemp(s->dir)) return -1;
    snprintf(s->sock, sizeof(s->sock), "%s/sock", s->dir);
    snprintf(s->pidf, sizeof(s->pidf), "%s/pid", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        execl(xsd, "xenstored", "-s", s->sock, "-F", s->pidf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000 && access(s->pidf, F_OK); i++)
        usleep(10000);
    return access(s->pidf, F_OK) ? -1 : 0;
}

struct xsc *xsd_conn(const struct xsd *s)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", s->sock);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    return xsc_new_fd(fd);
}

void xsd_stop(struct xsd *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    unlink(s->sock);
    unlink(s->pidf);
    rmdir(s->dir);
}

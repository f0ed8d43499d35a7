/*
 * xenshim.so: LD_PRELOAD shim that lets Debian's Xen xenstored (C) and
 * oxenstored start on a host without a hypervisor, so the benchmark can
 * compare against them on the same machine. It stubs the privileged
 * interfaces they open at start-up (libxenctrl, libxenevtchn, libxengnttab),
 * lets oxenstored's setrlimit succeed in a container, and redirects
 * /proc/xen/xsd_port and /proc/xen/xsd_kva (dom0's own ring) to files in
 * $XS_SHIM_DIR. Only the Unix-socket path of those daemons is exercised.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char dummy_handle[4096];
static int never_ready[2] = { -1, -1 };

int setrlimit(__rlimit_resource_t r, const struct rlimit *l)
{
	(void)r;
	(void)l;
	return 0;
}

void *xc_interface_open(void *logger, void *dombuild_logger, unsigned flags)
{
	(void)logger; (void)dombuild_logger; (void)flags;
	return dummy_handle;
}

void *xenevtchn_open(void *logger, unsigned flags)
{
	(void)logger; (void)flags;
	if (never_ready[0] < 0 && pipe(never_ready))
		return NULL;
	return dummy_handle;
}

int xenevtchn_fd(void *h) { (void)h; return never_ready[0]; }
int xenevtchn_bind_virq(void *h, unsigned virq) { (void)h; (void)virq; return 1; }
int xenevtchn_bind_interdomain(void *h, unsigned dom, unsigned port) { (void)h; (void)dom; (void)port; return 2; }
int xenevtchn_pending(void *h) { (void)h; return -1; }
int xenevtchn_unmask(void *h, int port) { (void)h; (void)port; return 0; }
int xenevtchn_notify(void *h, int port) { (void)h; (void)port; return 0; }
int xenevtchn_unbind(void *h, int port) { (void)h; (void)port; return 0; }
int xenevtchn_close(void *h) { (void)h; return 0; }
void *xengnttab_open(void *logger, unsigned flags) { (void)logger; (void)flags; return dummy_handle; }

static const char *redirect(const char *p, char *buf, size_t n)
{
	const char *dir = getenv("XS_SHIM_DIR");
	if (dir && (!strcmp(p, "/proc/xen/xsd_port") || !strcmp(p, "/proc/xen/xsd_kva"))) {
		snprintf(buf, n, "%s/%s", dir, strrchr(p, '/') + 1);
		return buf;
	}
	return p;
}

#define WRAP_OPEN(name)                                                  \
	int name(const char *p, int f, ...)                              \
	{                                                                \
		static int (*real)(const char *, int, ...);              \
		char buf[4096];                                          \
		va_list ap;                                              \
		va_start(ap, f);                                         \
		int mode = va_arg(ap, int);                              \
		va_end(ap);                                              \
		if (!real)                                               \
			real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
		return real(redirect(p, buf, sizeof(buf)), f, mode);     \
	}
WRAP_OPEN(open)
WRAP_OPEN(open64)

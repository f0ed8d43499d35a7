/* lib/pv/libc: the few libc headers that portable C code (servers/lib's xenstore
 * client and netfront, lwIP) needs when it is built into a tiny PV kernel
 * instead of a musl program.  <errno.h>: the E* names as macros (xs_wire.h
 * tests for them) with Xen's values (the same as Linux's on x86), from Xen's
 * public errno.h; there is no errno variable. */
#ifndef PV_LIBC_ERRNO_H
#define PV_LIBC_ERRNO_H
#include <xen/errno.h>
#define EPERM         XEN_EPERM
#define ENOENT        XEN_ENOENT
#define ESRCH         XEN_ESRCH
#define EINTR         XEN_EINTR
#define EIO           XEN_EIO
#define ENXIO         XEN_ENXIO
#define E2BIG         XEN_E2BIG
#define ENOEXEC       XEN_ENOEXEC
#define EBADF         XEN_EBADF
#define ECHILD        XEN_ECHILD
#define EAGAIN        XEN_EAGAIN
#define EWOULDBLOCK   XEN_EWOULDBLOCK
#define ENOMEM        XEN_ENOMEM
#define EACCES        XEN_EACCES
#define EFAULT        XEN_EFAULT
#define EBUSY         XEN_EBUSY
#define EEXIST        XEN_EEXIST
#define EXDEV         XEN_EXDEV
#define ENODEV        XEN_ENODEV
#define ENOTDIR       XEN_ENOTDIR
#define EISDIR        XEN_EISDIR
#define EINVAL        XEN_EINVAL
#define ENFILE        XEN_ENFILE
#define EMFILE        XEN_EMFILE
#define ENOSPC        XEN_ENOSPC
#define EROFS         XEN_EROFS
#define EMLINK        XEN_EMLINK
#define EDOM          XEN_EDOM
#define ERANGE        XEN_ERANGE
#define EDEADLK       XEN_EDEADLK
#define EDEADLOCK     XEN_EDEADLOCK
#define ENAMETOOLONG  XEN_ENAMETOOLONG
#define ENOLCK        XEN_ENOLCK
#define ENOSYS        XEN_ENOSYS
#define ENOTEMPTY     XEN_ENOTEMPTY
#define ENODATA       XEN_ENODATA
#define ETIME         XEN_ETIME
#define EBADMSG       XEN_EBADMSG
#define EOVERFLOW     XEN_EOVERFLOW
#define EILSEQ        XEN_EILSEQ
#define ERESTART      XEN_ERESTART
#define ENOTSOCK      XEN_ENOTSOCK
#define EMSGSIZE      XEN_EMSGSIZE
#define EOPNOTSUPP    XEN_EOPNOTSUPP
#define EADDRINUSE    XEN_EADDRINUSE
#define EADDRNOTAVAIL XEN_EADDRNOTAVAIL
#define ENOBUFS       XEN_ENOBUFS
#define EISCONN       XEN_EISCONN
#define ENOTCONN      XEN_ENOTCONN
#define ETIMEDOUT     XEN_ETIMEDOUT
#define ECONNREFUSED  XEN_ECONNREFUSED
#endif

/* Linux errno values returned by the runtime's system calls (x86-64 ABI). */
#ifndef RT_LERRNO_H
#define RT_LERRNO_H
#define EPERM     1
#define ENOENT    2
#define ESRCH     3
#define EINTR     4
#define EIO       5
#define EBADF     9
#define EAGAIN    11
#define ENOMEM    12
#define EACCES    13
#define EFAULT    14
#define EBUSY     16
#define EEXIST    17
#define ENODEV    19
#define EINVAL    22
#define EMFILE    24
#define ENOTTY    25
#define ENOSPC    28
#define ESPIPE    29
#define ERANGE    34
#define ENOSYS    38
#define E2BIG     7
#define EISDIR    21
#define EROFS     30
#define ENOTEMPTY 39
#define EISCONN   106
#define ENOTCONN  107
#endif

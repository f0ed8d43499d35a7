/* The xl command language of the builder's shell: one line, split into
 * words (double or single quotes group, no escapes), optional leading "xl".
 * Options as xl's: single letters, some taking a value (-d DOMAIN).
 * Parsing only; xl.c carries the commands out. */
#ifndef DB_XLCMD_H
#define DB_XLCMD_H

#include <stddef.h>

#define XL_LINE_MAX 512
#define XL_ARG_MAX  255
#define XL_MAX_POS  9
#define XL_OPT_MAX  31

enum xl_op {
    XL_NONE, /* empty line or comment */
    XL_HELP,
    XL_LIST,
    XL_INFO,
    XL_CREATE,
    XL_DESTROY,
    XL_SHUTDOWN,
    XL_REBOOT,
    XL_PAUSE,
    XL_UNPAUSE,
    XL_CONSOLE,
    XL_RESTART,
    XL_MEMSET,
    XL_SCHED_CREDIT,
    XL_PUT,
    XL_SAVE,
    XL_RESTORE,
};

struct xl_cmd {
    enum xl_op op;
    char arg[XL_ARG_MAX + 1];             /* the first positional argument; "" if none */
    char pos[XL_MAX_POS][XL_ARG_MAX + 1]; /* all of them (pos[0] = arg) */
    int npos;
    int console;                                      /* create -c; save -c (checkpoint) */
    int wait;                                         /* shutdown/reboot -w */
    int paused, dryrun;                               /* create -p, -n; restore -p */
    int longfmt;                                      /* list -l */
    char dom[XL_ARG_MAX + 1];                         /* sched-credit -d */
    char weight[XL_OPT_MAX + 1], cap[XL_OPT_MAX + 1]; /* sched-credit -w, -c */
};

/* 0 on success; -1 with a one-line message in err. */
int xl_parse(const char *line, struct xl_cmd *cmd, char *err, size_t errlen);
const char *xl_usage(void);

#endif

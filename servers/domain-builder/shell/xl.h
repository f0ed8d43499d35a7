/* The xl shell: one session per command source (the builder's console,
 * COM2).  A session takes lines and answers with lines; after
 * `xl console DOMAIN` its input goes to that domain until Ctrl-]. */
#ifndef DB_XL_H
#define DB_XL_H

#include "mgr/mgr.h"

#define XL_SESSION_LINE 513

#define XL_DETACH_CHAR 0x1d     /* Ctrl-] */

struct xl_session {
    struct db_out out;
    uint32_t attached;          /* domain id, or 0 */
    char line[XL_SESSION_LINE];
    size_t n;
    int overlong;
};

/* Feeds raw input bytes: complete lines are run as commands, or passed to
 * the attached console. */
void xl_input(struct mgr *m, struct xl_session *s, const char *data, size_t n);
/* Runs one command line. */
void xl_exec(struct mgr *m, struct xl_session *s, const char *line);

#endif

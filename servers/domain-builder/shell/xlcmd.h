/* The xl command language of the builder's shell: one line, split into
 * words (double or single quotes group, no escapes), optional leading "xl".
 * Options as xl's: single letters, some taking a value (-d DOMAIN).
 *
 * The verbs live in groups, one file each (xl_domain.c, xl_info.c,
 * xl_block.c, xl_net.c, upload.c ...): a group is a table of struct xl_verb
 * ending with an entry whose name is NULL, listed once in xl_verb_groups
 * (xl.c).  A new verb is one table entry and its function.  Parsing checks
 * the words against the verb's table entry only; the verb's function
 * carries it out. */
#ifndef DB_XLCMD_H
#define DB_XLCMD_H

#include <stddef.h>

#define XL_LINE_MAX 512
#define XL_ARG_MAX  255
#define XL_MAX_POS  9
#define XL_OPT_MAX  63

struct mgr;
struct xl_session;
struct xl_cmd;

struct xl_verb {
    const char *name;
    int min, max;      /* positional arguments */
    const char *flags; /* option letters; a letter followed by ':' takes a value */
    const char *usage; /* "xl NAME ARGS" as `xl help` and refusals show it */
    void (*run)(struct mgr *m, struct xl_session *s, const struct xl_cmd *c);
    /* optional: nonzero if the words do not fit together (refused with the usage) */
    int (*check)(const struct xl_cmd *c);
};

/* every group's table, NULL-terminated (xl.c) */
extern const struct xl_verb *const xl_verb_groups[];

struct xl_cmd {
    const struct xl_verb *verb;           /* NULL: an empty line or a comment */
    char arg[XL_ARG_MAX + 1];             /* the first positional argument; "" if none */
    char pos[XL_MAX_POS][XL_ARG_MAX + 1]; /* all of them (pos[0] = arg) */
    int npos;
    unsigned opts;                /* option letters given: bit (letter - 'a') */
    char val[26][XL_OPT_MAX + 1]; /* the values of options that take one */
};

/* 0 on success; -1 with a one-line message in err. */
int xl_parse(const char *line, struct xl_cmd *cmd, char *err, size_t errlen);
/* Was option -f given?  Its value ("" if none or not given). */
int xl_opt(const struct xl_cmd *c, char f);
const char *xl_optval(const struct xl_cmd *c, char f);
/* The verbs' usages, for `xl help`. */
void xl_usage(void (*line)(void *ctx, const char *s), void *ctx);

#endif

/* Parsing of xl command lines (see xlcmd.h).  Lines are hostile: length,
 * characters, quoting and argument counts are all checked. */
#include "shell/xlcmd.h"
#include "util.h"

#include <string.h>

#define MAX_WORDS 12

/* flags: letters allowed; a letter followed by ':' takes a value */
static const struct {
    const char *name;
    enum xl_op op;
    int min, max; /* positional arguments */
    const char *flags;
    const char *usage;
} cmds[] = {
    { "help", XL_HELP, 0, 0, "", "xl help" },
    { "list", XL_LIST, 0, 1, "l", "xl list [-l] [DOMAIN]" },
    { "info", XL_INFO, 0, 0, "", "xl info" },
    { "create", XL_CREATE, 1, 9, "cpn", "xl create [-c] [-p] [-n] FILE [KEY=VALUE...]" },
    { "destroy", XL_DESTROY, 1, 1, "", "xl destroy DOMAIN" },
    { "shutdown", XL_SHUTDOWN, 1, 1, "w", "xl shutdown [-w] DOMAIN" },
    { "reboot", XL_REBOOT, 1, 1, "w", "xl reboot [-w] DOMAIN" },
    { "pause", XL_PAUSE, 1, 1, "", "xl pause DOMAIN" },
    { "unpause", XL_UNPAUSE, 1, 1, "", "xl unpause DOMAIN" },
    { "console", XL_CONSOLE, 1, 1, "", "xl console DOMAIN" },
    { "restart", XL_RESTART, 1, 1, "", "xl restart NAME" },
    { "mem-set", XL_MEMSET, 2, 2, "", "xl mem-set DOMAIN MEM" },
    { "sched-credit", XL_SCHED_CREDIT, 0, 0, "d:w:c:", "xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]" },
    { "put", XL_PUT, 3, 4, "", "xl put NAME SIZE CRC32 [GZIP-SIZE]" },
    { "save", XL_SAVE, 2, 2, "c", "xl save [-c] DOMAIN NAME" },
    { "restore", XL_RESTORE, 1, 1, "p", "xl restore [-p] NAME" },
};

/* Splits line into words; -1 on an unterminated quote or too many words. */
static int split(char *buf, char **w, int *n, char *err, size_t errlen)
{
    char *p = buf;
    *n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#') return 0;
        if (*n == MAX_WORDS) return db_errf(err, errlen, "too many words");
        char q = (*p == '"' || *p == '\'') ? *p++ : 0;
        w[(*n)++] = p;
        while (*p && (q ? *p != q : (*p != ' ' && *p != '\t')))
            p++;
        if (q && !*p) return db_errf(err, errlen, "unterminated quote");
        if (*p) *p++ = 0;
    }
}

static int check_chars(const char *line, char *err, size_t errlen)
{
    size_t n = strnlen(line, XL_LINE_MAX + 1);
    if (n > XL_LINE_MAX) return db_errf(err, errlen, "line longer than %d characters", XL_LINE_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return db_errf(err, errlen, "control character in command");
    }
    return 0;
}

static int opt_value(char *dst, size_t size, const char *v)
{
    if (strlen(v) >= size) return -1;
    strcpy(dst, v);
    return 0;
}

static int args(int i, char **w, int n, struct xl_cmd *cmd, char *err, size_t errlen)
{
    for (int k = 0; k < n; k++) {
        const char *f = w[k][0] == '-' && w[k][1] && !w[k][2] ? strchr(cmds[i].flags, w[k][1]) : NULL;
        if (f && f[1] == ':') {
            if (k + 1 == n || !w[k + 1][0]) return db_errf(err, errlen, "usage: %s", cmds[i].usage);
            const char *v = w[++k];
            char *dst = *f == 'd' ? cmd->dom : *f == 'w' ? cmd->weight : cmd->cap;
            if (opt_value(dst, *f == 'd' ? sizeof(cmd->dom) : sizeof(cmd->weight), v))
                return db_errf(err, errlen, "argument longer than %zu characters",
                               (*f == 'd' ? sizeof(cmd->dom) : sizeof(cmd->weight)) - 1);
            continue;
        }
        if (f) {
            cmd->console |= *f == 'c';
            cmd->wait |= *f == 'w';
            cmd->paused |= *f == 'p';
            cmd->dryrun |= *f == 'n';
            cmd->longfmt |= *f == 'l';
            continue;
        }
        if (w[k][0] == '-' || cmd->npos == cmds[i].max || !w[k][0])
            return db_errf(err, errlen, "usage: %s", cmds[i].usage);
        if (strlen(w[k]) > XL_ARG_MAX)
            return db_errf(err, errlen, "argument longer than %d characters", XL_ARG_MAX);
        strcpy(cmd->pos[cmd->npos++], w[k]);
    }
    if (cmd->npos < cmds[i].min || ((cmd->weight[0] || cmd->cap[0]) && !cmd->dom[0]))
        return db_errf(err, errlen, "usage: %s", cmds[i].usage);
    /* create: FILE, then KEY=VALUE words only (xl takes a word with '=' as a setting) */
    for (int k = 1; cmds[i].op == XL_CREATE && k < cmd->npos; k++)
        if (!strchr(cmd->pos[k], '=') || cmd->pos[k][0] == '=')
            return db_errf(err, errlen, "usage: %s", cmds[i].usage);
    if (cmds[i].op == XL_CREATE && strchr(cmd->pos[0], '='))
        return db_errf(err, errlen, "usage: %s", cmds[i].usage);
    strcpy(cmd->arg, cmd->pos[0]);
    cmd->op = cmds[i].op;
    return 0;
}

int xl_parse(const char *line, struct xl_cmd *cmd, char *err, size_t errlen)
{
    char buf[XL_LINE_MAX + 1], *w[MAX_WORDS];
    int n;
    memset(cmd, 0, sizeof(*cmd));
    if (check_chars(line, err, errlen)) return -1;
    strcpy(buf, line);
    buf[strcspn(buf, "\r\n")] = 0;
    if (split(buf, w, &n, err, errlen)) return -1;
    int first = n > 0 && !strcmp(w[0], "xl");
    if (n == first) return first ? db_errf(err, errlen, "usage: xl COMMAND (try 'xl help')") : 0;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
        if (!strcmp(w[first], cmds[i].name))
            return args((int)i, w + first + 1, n - first - 1, cmd, err, errlen);
    return db_errf(err, errlen, "unknown command '%.40s' (try 'xl help')", w[first]);
}

const char *xl_usage(void)
{
    return "commands: xl list [-l] [DOMAIN] | info | create [-c] [-p] [-n] FILE | "
           "destroy DOMAIN | shutdown [-w] DOMAIN | reboot [-w] DOMAIN | pause DOMAIN | "
           "unpause DOMAIN | console DOMAIN | mem-set DOMAIN MEM | "
           "sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]] | restart NAME | "
           "put NAME SIZE CRC32 [GZIP-SIZE] | save [-c] DOMAIN NAME | restore [-p] NAME   "
           "(DOMAIN: name or id; Ctrl-] leaves a console or drops a partial line)";
}

/* Parsing of xl command lines (see xlcmd.h).  Lines are hostile: length,
 * characters, quoting and argument counts are all checked. */
#include "shell/xlcmd.h"
#include "util.h"

#include <string.h>

#define MAX_WORDS 8

static const struct {
    const char *name;
    enum xl_op op;
    int nargs;                      /* required positional arguments */
    const char *flags;              /* allowed single-letter options */
    const char *usage;
} cmds[] = {
    { "help", XL_HELP, 0, "", "xl help" },
    { "list", XL_LIST, 0, "", "xl list" },
    { "info", XL_INFO, 0, "", "xl info" },
    { "create", XL_CREATE, 1, "c", "xl create [-c] FILE" },
    { "destroy", XL_DESTROY, 1, "", "xl destroy DOMAIN" },
    { "shutdown", XL_SHUTDOWN, 1, "w", "xl shutdown [-w] DOMAIN" },
    { "reboot", XL_REBOOT, 1, "w", "xl reboot [-w] DOMAIN" },
    { "pause", XL_PAUSE, 1, "", "xl pause DOMAIN" },
    { "unpause", XL_UNPAUSE, 1, "", "xl unpause DOMAIN" },
    { "console", XL_CONSOLE, 1, "", "xl console DOMAIN" },
    { "restart", XL_RESTART, 1, "", "xl restart NAME" },
};

/* Splits line into words; -1 on an unterminated quote or too many words. */
static int split(char *buf, char **w, int *n, char *err, size_t errlen)
{
    char *p = buf;
    *n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            return 0;
        if (*n == MAX_WORDS)
            return db_errf(err, errlen, "too many words");
        char q = (*p == '"' || *p == '\'') ? *p++ : 0;
        w[(*n)++] = p;
        while (*p && (q ? *p != q : (*p != ' ' && *p != '\t')))
            p++;
        if (q && !*p)
            return db_errf(err, errlen, "unterminated quote");
        if (*p)
            *p++ = 0;
    }
}

static int check_chars(const char *line, char *err, size_t errlen)
{
    size_t n = strnlen(line, XL_LINE_MAX + 1);
    if (n > XL_LINE_MAX)
        return db_errf(err, errlen, "line longer than %d characters", XL_LINE_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            return db_errf(err, errlen, "control character in command");
    }
    return 0;
}

static int args(int i, char **w, int n, struct xl_cmd *cmd, char *err, size_t errlen)
{
    int pos = 0;
    for (int k = 0; k < n; k++) {
        if (w[k][0] == '-' && w[k][1] && !w[k][2] && strchr(cmds[i].flags, w[k][1])) {
            cmd->console |= w[k][1] == 'c';
            cmd->wait |= w[k][1] == 'w';
            continue;
        }
        if (w[k][0] == '-' || pos == cmds[i].nargs || !w[k][0])
            return db_errf(err, errlen, "usage: %s", cmds[i].usage);
        if (strlen(w[k]) > XL_ARG_MAX)
            return db_errf(err, errlen, "argument longer than %d characters", XL_ARG_MAX);
        strcpy(cmd->arg, w[k]);
        pos++;
    }
    if (pos != cmds[i].nargs)
        return db_errf(err, errlen, "usage: %s", cmds[i].usage);
    cmd->op = cmds[i].op;
    return 0;
}

int xl_parse(const char *line, struct xl_cmd *cmd, char *err, size_t errlen)
{
    char buf[XL_LINE_MAX + 1], *w[MAX_WORDS];
    int n;
    memset(cmd, 0, sizeof(*cmd));
    if (check_chars(line, err, errlen))
        return -1;
    strcpy(buf, line);
    buf[strcspn(buf, "\r\n")] = 0;
    if (split(buf, w, &n, err, errlen))
        return -1;
    int first = n > 0 && !strcmp(w[0], "xl");
    if (n == first)
        return first ? db_errf(err, errlen, "usage: xl COMMAND (try 'xl help')") : 0;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
        if (!strcmp(w[first], cmds[i].name))
            return args((int)i, w + first + 1, n - first - 1, cmd, err, errlen);
    return db_errf(err, errlen, "unknown command '%.40s' (try 'xl help')", w[first]);
}

const char *xl_usage(void)
{
    return "commands: xl list | info | create [-c] FILE | destroy DOMAIN | "
           "shutdown [-w] DOMAIN | reboot [-w] DOMAIN | pause DOMAIN | unpause DOMAIN | "
           "console DOMAIN | restart NAME   (DOMAIN: name or id; Ctrl-] leaves a console)";
}

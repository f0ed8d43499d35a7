/* Parsing of xl command lines (see xlcmd.h).  Lines are hostile: length,
 * characters, quoting and argument counts are all checked against the
 * verb's own table entry. */
#include "shell/xlcmd.h"
#include "util.h"

#include <string.h>

#define MAX_WORDS 12

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

int xl_opt(const struct xl_cmd *c, char f) { return f >= 'a' && f <= 'z' && (c->opts >> (f - 'a') & 1); }

const char *xl_optval(const struct xl_cmd *c, char f) { return f >= 'a' && f <= 'z' ? c->val[f - 'a'] : ""; }

static int args(const struct xl_verb *v, char **w, int n, struct xl_cmd *cmd, char *err, size_t errlen)
{
    for (int k = 0; k < n; k++) {
        const char *f =
            w[k][0] == '-' && w[k][1] >= 'a' && w[k][1] <= 'z' && !w[k][2] ? strchr(v->flags, w[k][1]) : NULL;
        if (f) {
            cmd->opts |= 1u << (*f - 'a');
            if (f[1] != ':') continue;
            if (k + 1 == n || !w[k + 1][0]) return db_errf(err, errlen, "usage: %s", v->usage);
            if (strlen(w[++k]) > XL_OPT_MAX)
                return db_errf(err, errlen, "argument longer than %d characters", XL_OPT_MAX);
            strcpy(cmd->val[*f - 'a'], w[k]);
            continue;
        }
        if (w[k][0] == '-' || cmd->npos == v->max || !w[k][0])
            return db_errf(err, errlen, "usage: %s", v->usage);
        if (strlen(w[k]) > XL_ARG_MAX)
            return db_errf(err, errlen, "argument longer than %d characters", XL_ARG_MAX);
        strcpy(cmd->pos[cmd->npos++], w[k]);
    }
    strcpy(cmd->arg, cmd->pos[0]);
    if (cmd->npos < v->min || (v->check && v->check(cmd))) return db_errf(err, errlen, "usage: %s", v->usage);
    cmd->verb = v;
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
    for (int g = 0; xl_verb_groups[g]; g++)
        for (const struct xl_verb *v = xl_verb_groups[g]; v->name; v++)
            if (!strcmp(w[first], v->name)) return args(v, w + first + 1, n - first - 1, cmd, err, errlen);
    return db_errf(err, errlen, "unknown command '%.40s' (try 'xl help')", w[first]);
}

void xl_usage(void (*line)(void *ctx, const char *s), void *ctx)
{
    line(ctx, "commands (DOMAIN: a name or an id; Ctrl-] leaves a console or drops a partial line):");
    for (int g = 0; xl_verb_groups[g]; g++)
        for (const struct xl_verb *v = xl_verb_groups[g]; v->name; v++)
            line(ctx, v->usage);
}

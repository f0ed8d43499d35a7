/* xl.cfg syntax parser (see cfg.h).  A hand-written scanner over the whole
 * file: every byte is checked (NUL, control characters, unterminated strings,
 * overlong tokens, numbers that overflow), and the first problem ends the
 * parse with "file:line: reason".  Nothing partial is ever returned. */
#include "cfg/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const char *p, *end;
    int line;
    const char *name;
    char *err;
    size_t errlen;
    struct cfg_file *f;
};

static int fail(struct scan *s, int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(s->err, s->errlen, "%s:%d: ", s->name, line);
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < s->errlen) vsnprintf(s->err + n, s->errlen - n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Skips blanks and comments; stops at a newline (not consumed) if !nl,
 * otherwise consumes newlines too. */
static void skip_space(struct scan *s, int nl)
{
    while (s->p < s->end) {
        char c = *s->p;
        if (c == ' ' || c == '\t' || c == '\r')
            s->p++;
        else if (c == '#')
            while (s->p < s->end && *s->p != '\n')
                s->p++;
        else if (c == '\n' && nl) {
            s->line++;
            s->p++;
        } else
            break;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* One escape after a backslash; returns the byte or -1. */
static int scan_escape(struct scan *s)
{
    if (s->p >= s->end) return -1;
    char c = *s->p++;
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case '\\':
    case '"':
    case '\'':
        return c;
    case 'x': {
        if (s->end - s->p < 2) return -1;
        int hi = hexval(s->p[0]), lo = hexval(s->p[1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return -1;
        s->p += 2;
        return hi * 16 + lo;
    }
    default:
        return -1;
    }
}

static int scan_string(struct scan *s, char **out)
{
    char quote = *s->p++, buf[CFG_MAX_STR + 1];
    size_t n = 0;
    int line = s->line;
    for (;;) {
        if (s->p >= s->end || *s->p == '\n') return fail(s, line, "unterminated string");
        unsigned char c = (unsigned char)*s->p++;
        int v = c;
        if (c == (unsigned char)quote) break;
        if (c == '\\' && (v = scan_escape(s)) < 0)
            return fail(s, line, "bad escape sequence in string");
        else if (c != '\\' && (c < 0x20 || c == 0x7f) && c != '\t')
            return fail(s, line, "control character in string");
        if (n == CFG_MAX_STR) return fail(s, line, "string longer than %d characters", CFG_MAX_STR);
        buf[n++] = (char)v;
    }
    buf[n] = 0;
    *out = strdup(buf);
    return *out ? 0 : fail(s, line, "out of memory");
}

static int scan_number(struct scan *s, unsigned long long *out)
{
    const char *start = s->p;
    int base = 10;
    if (s->end - s->p > 2 && s->p[0] == '0' && (s->p[1] == 'x' || s->p[1] == 'X')) {
        base = 16;
        s->p += 2;
    }
    unsigned long long v = 0;
    const char *digits = s->p;
    while (s->p < s->end && isalnum((unsigned char)*s->p)) {
        int d = hexval(*s->p);
        if (d < 0 || d >= base) return fail(s, s->line, "bad number");
        if (v > (~0ULL - (unsigned)d) / (unsigned)base) return fail(s, s->line, "number too large");
        v = v * base + d;
        s->p++;
    }
    if (s->p == digits || (base == 10 && s->p - start > 1 && *start == '0'))
        return fail(s, s->line, "bad number");
    *out = v;
    return 0;
}

static void free_setting(struct cfg_setting *st)
{
    free(st->str);
    for (int i = 0; i < st->nitems; i++)
        free(st->items[i].str);
    free(st->items);
    memset(st, 0, sizeof(*st));
}

/* '[' already seen: strings separated by commas, newlines allowed. */
static int scan_list(struct scan *s, struct cfg_setting *st)
{
    int line = s->line;
    st->items = calloc(CFG_MAX_ITEMS, sizeof(*st->items));
    if (!st->items) return fail(s, line, "out of memory");
    for (;;) {
        skip_space(s, 1);
        if (s->p >= s->end) return fail(s, line, "unterminated list");
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        if (*s->p != '"' && *s->p != '\'') return fail(s, s->line, "list elements must be quoted strings");
        if (st->nitems == CFG_MAX_ITEMS)
            return fail(s, s->line, "list longer than %d elements", CFG_MAX_ITEMS);
        struct cfg_item *it = &st->items[st->nitems];
        it->line = s->line;
        if (scan_string(s, &it->str)) return -1;
        st->nitems++;
        skip_space(s, 1);
        if (s->p < s->end && *s->p == ',')
            s->p++;
        else if (s->p < s->end && *s->p != ']')
            return fail(s, s->line, "expected ',' or ']' in list");
    }
}

static int scan_value(struct scan *s, struct cfg_setting *st)
{
    skip_space(s, 0);
    if (s->p >= s->end || *s->p == '\n' || *s->p == ';')
        return fail(s, st->line, "missing value for '%s'", st->key);
    char c = *s->p;
    if (c == '"' || c == '\'') {
        st->type = CFG_STR;
        return scan_string(s, &st->str);
    }
    if (c == '[') {
        st->type = CFG_LIST;
        s->p++;
        return scan_list(s, st);
    }
    if (isdigit((unsigned char)c)) {
        st->type = CFG_NUM;
        return scan_number(s, &st->num);
    }
    return fail(s, s->line, "bad value for '%s' (strings must be quoted)", st->key);
}

static int scan_key(struct scan *s, struct cfg_setting *st)
{
    size_t n = 0;
    char c = *s->p;
    if (!isalpha((unsigned char)c) && c != '_') return fail(s, s->line, "expected a setting name");
    while (s->p < s->end && (isalnum((unsigned char)*s->p) || *s->p == '_')) {
        if (n == CFG_MAX_KEY) return fail(s, s->line, "setting name too long");
        st->key[n++] = *s->p++;
    }
    st->key[n] = 0;
    return 0;
}

/* One "key = value" statement and its terminator. */
static int scan_setting(struct scan *s, struct cfg_setting *st)
{
    st->line = s->line;
    if (scan_key(s, st)) return -1;
    skip_space(s, 0);
    if (s->p >= s->end || *s->p != '=') return fail(s, s->line, "expected '=' after '%s'", st->key);
    s->p++;
    if (scan_value(s, st)) return -1;
    skip_space(s, 0);
    if (s->p < s->end && *s->p != '\n' && *s->p != ';')
        return fail(s, s->line, "unexpected text after the value of '%s'", st->key);
    if (s->p < s->end && *s->p == ';') s->p++;
    return 0;
}

/* 0: a new key; 1: it replaced the earlier setting (an override); -1 */
static int check_duplicate(struct scan *s, struct cfg_setting *st)
{
    int over = s->f->override_line && st->line >= s->f->override_line;
    for (int i = 0; i < s->f->n; i++) {
        if (strcmp(s->f->s[i].key, st->key)) continue;
        if (!over)
            return fail(s, st->line, "duplicate setting '%s' (first on line %d)", st->key, s->f->s[i].line);
        free_setting(&s->f->s[i]);
        s->f->s[i] = *st;
        memset(st, 0, sizeof(*st));
        return 1;
    }
    return 0;
}

static int scan_file(struct scan *s)
{
    for (;;) {
        skip_space(s, 1);
        while (s->p < s->end && *s->p == ';') {
            s->p++;
            skip_space(s, 1);
        }
        if (s->p >= s->end) return 0;
        if (s->f->n == CFG_MAX_SETTINGS) return fail(s, s->line, "more than %d settings", CFG_MAX_SETTINGS);
        struct cfg_setting *st = &s->f->s[s->f->n];
        int rc = scan_setting(s, st);
        if (!rc) rc = check_duplicate(s, st);
        if (rc < 0) {
            free_setting(st);
            return -1;
        }
        s->f->n += rc == 0;
    }
}

int cfg_parse(const char *name, const char *text, size_t len, struct cfg_file *out, char *err, size_t errlen)
{
    return cfg_parse_over(name, text, len, 0, out, err, errlen);
}

int cfg_parse_over(const char *name, const char *text, size_t len, int override_line, struct cfg_file *out,
                   char *err, size_t errlen)
{
    struct scan s = { text, text + len, 1, name, err, errlen, out };
    memset(out, 0, sizeof(*out));
    out->name = name;
    out->override_line = override_line;
    if (len > CFG_MAX_SIZE) return fail(&s, 1, "file larger than %d bytes", CFG_MAX_SIZE);
    const char *nul = memchr(text, 0, len);
    if (nul) {
        int line = 1;
        for (const char *q = text; q < nul; q++)
            line += *q == '\n';
        return fail(&s, line, "NUL byte in file");
    }
    out->s = calloc(CFG_MAX_SETTINGS, sizeof(*out->s));
    if (!out->s) return fail(&s, 1, "out of memory");
    if (scan_file(&s)) {
        cfg_free(out);
        out->name = name;
        return -1;
    }
    return 0;
}

void cfg_free(struct cfg_file *f)
{
    if (f->s)
        for (int i = 0; i < f->n; i++)
            free_setting(&f->s[i]);
    free(f->s);
    memset(f, 0, sizeof(*f));
}

const struct cfg_setting *cfg_get(const struct cfg_file *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->s[i].key, key)) return &f->s[i];
    return NULL;
}

/* The runtime's own command line (start_info->cmd_line): space-separated words;
 * `restart=always|never`, `max_restarts=N`, `name=NAME` (the program's argv[0],
 * default "server"), `trace` (log every system call).
 * Words without '=' (such as the image name a loader may leave) are ignored. */
#include "rt.h"

struct rt_options opts = { .restart = true, .max_restarts = 5, .restart_window = 60, .name = "server" };

/* The next space-separated word at *p (NULL at the end); advances *p. */
const char *word_next(const char **p, size_t *len)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    if (!*s) return NULL;
    const char *e = s;
    while (*e && *e != ' ')
        e++;
    *len = (size_t)(e - s);
    *p = e;
    return s;
}

static bool word_is(const char *w, size_t len, const char *key)
{
    return strlen(key) == len && !strncmp(w, key, len);
}

void options_parse(const char *cmdline)
{
    const char *p = cmdline, *w;
    size_t len;
    while ((w = word_next(&p, &len))) {
        if (word_is(w, len, "restart=always"))
            opts.restart = true;
        else if (word_is(w, len, "restart=never"))
            opts.restart = false;
        else if (len > 13 && !strncmp(w, "max_restarts=", 13))
            opts.max_restarts = (unsigned)strtoul(w + 13, NULL, 10);
        else if (len > 15 && !strncmp(w, "restart_window=", 15))
            opts.restart_window = (unsigned)strtoul(w + 15, NULL, 10);
        else if (len > 5 && !strncmp(w, "name=", 5) && len - 5 < sizeof(opts.name)) {
            memcpy(opts.name, w + 5, len - 5);
            opts.name[len - 5] = 0;
        } else if (word_is(w, len, "trace"))
            opts.trace = true;
        else if (memchr(w, '=', len))
            printf("runtime: unknown option %.*s\n", (int)len, w);
    }
}

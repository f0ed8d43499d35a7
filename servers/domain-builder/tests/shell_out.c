/* The xl shell tests' view of the shell's output and their file reads
 * (shell_out.h). */
#include "shell_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char out[OUT_LINES][256];
int nout;

void take(void *ctx, const char *s)
{
    (void)ctx;
    if (nout < OUT_LINES) snprintf(out[nout++], sizeof(out[0]), "%s", s);
}

void run(struct mgr *m, struct xl_session *s, const char *line)
{
    nout = 0;
    xl_input(m, s, line, strlen(line));
}

int seen(const char *needle)
{
    for (int i = 0; i < nout; i++)
        if (strstr(out[i], needle)) return 1;
    return 0;
}

int file_answer(const void *src, size_t n, const char *path, size_t max, uint8_t **buf, size_t *len,
                char *err, size_t errlen)
{
    if (!src || n > max) {
        snprintf(err, errlen, "%s: %s", path, src ? "too large" : "No such file or directory");
        return -1;
    }
    *buf = malloc(n + 1);
    memcpy(*buf, src, n);
    *len = n;
    return 0;
}

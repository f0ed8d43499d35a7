/* What the xl shell tests share (shell_out.c): the lines the shell wrote
 * (take collects them into out[], run clears them and sends the shell one
 * line, seen looks for a piece of one), and file_answer, the end of a
 * read_file callback serving an in-memory file. */
#ifndef DB_TEST_SHELL_OUT_H
#define DB_TEST_SHELL_OUT_H

#include "shell/xl.h"
#include <stddef.h>
#include <stdint.h>

#define OUT_LINES 64
extern char out[OUT_LINES][256];
extern int nout;

void take(void *ctx, const char *s);
void run(struct mgr *m, struct xl_session *s, const char *line);
int seen(const char *needle);
/* src: the file's n bytes, NULL if there is no such file.  A copy in *buf
 * (malloc'd, one byte more for a terminator), or -1 with the reason in err. */
int file_answer(const void *src, size_t n, const char *path, size_t max, uint8_t **buf, size_t *len,
                char *err, size_t errlen);

#endif

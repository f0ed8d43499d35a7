/* Reading the files a config names (configs, kernels, ramdisks).  A name is
 * tried as given, then in each search directory by its base name: boot
 * modules appear there once the runtime exposes them (e.g. /boot). */
#ifndef DB_FILES_H
#define DB_FILES_H

#include <stddef.h>
#include <stdint.h>

#define FILES_MAX_DIRS 4

struct files {
    int ndirs;
    const char *dirs[FILES_MAX_DIRS];
};

/* mgr_read_fn: the whole file, at most max bytes, into a malloc'd buffer. */
int files_read(void *ctx, const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

#endif

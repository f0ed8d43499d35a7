/* xl.cfg syntax: the generic layer.  A file is a sequence of settings
 *     key = "string" | 'string' | number | [ "item", "item", ... ]
 * separated by newlines or ';', with '#' comments to the end of the line;
 * lists may span lines and end with an optional comma.  This layer knows no
 * key names: it turns text into a list of settings, or fails with
 * "file:line: reason" and produces nothing.  domcfg.c gives the keys meaning. */
#ifndef DB_CFG_H
#define DB_CFG_H

#include <stddef.h>

#define CFG_MAX_SIZE     (256 * 1024) /* bytes in one file */
#define CFG_MAX_SETTINGS 128
#define CFG_MAX_ITEMS    64   /* elements in one list */
#define CFG_MAX_STR      1023 /* characters in one string */
#define CFG_MAX_KEY      31
#define CFG_ERR_LEN      512

enum cfg_type { CFG_STR, CFG_NUM, CFG_LIST };

struct cfg_item {
    char *str;
    int line;
};

struct cfg_setting {
    char key[CFG_MAX_KEY + 1];
    enum cfg_type type;
    int line;
    char *str;              /* CFG_STR */
    unsigned long long num; /* CFG_NUM */
    int nitems;             /* CFG_LIST: strings only */
    struct cfg_item *items;
};

struct cfg_file {
    const char *name;  /* for messages; not owned */
    int override_line; /* settings from this line on replace earlier ones of
                                       their key (xl create KEY=VALUE); 0: none */
    int n;
    struct cfg_setting *s;
};

/* Parses text[0..len).  On error returns -1, writes "name:line: reason" to
 * err and leaves *out empty.  On success out must be freed with cfg_free. */
int cfg_parse(const char *name, const char *text, size_t len, struct cfg_file *out, char *err, size_t errlen);
/* The same, with settings from override_line on replacing earlier ones of
 * the same key (as xl appends its command line's KEY=VALUE to the file). */
int cfg_parse_over(const char *name, const char *text, size_t len, int override_line, struct cfg_file *out,
                   char *err, size_t errlen);
void cfg_free(struct cfg_file *f);
const struct cfg_setting *cfg_get(const struct cfg_file *f, const char *key);

#endif

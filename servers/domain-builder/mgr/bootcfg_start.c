/* Starting the boot configuration (see bootcfg.h): service domains (a
 * config with capabilities) first, in the listed order, then the guests. */
#include "cfg/bootcfg.h"

#include <stdlib.h>

static int is_service(struct mgr *m, const char *path)
{
    static struct domcfg c;
    uint8_t *text;
    size_t len;
    char err[MGR_ERR_LEN];
    if (m->read_file(m->file_ctx, path, CFG_MAX_SIZE, &text, &len, err, sizeof(err)))
        return 0; /* mgr_create reports it */
    int rc = domcfg_parse(path, (const char *)text, len, &c, err, sizeof(err));
    free(text);
    return !rc && c.caps != 0;
}

int bootcfg_start(struct mgr *m, const struct bootcfg *bc)
{
    int failed = 0, service[BOOTCFG_MAX];
    for (int i = 0; i < bc->n; i++)
        service[i] = is_service(m, bc->path[i]);
    for (int pass = 1; pass >= 0; pass--)
        for (int i = 0; i < bc->n; i++) {
            char err[MGR_ERR_LEN];
            uint32_t id;
            if (service[i] != pass) continue;
            if (mgr_create(m, bc->path[i], NULL, 0, &id, err, sizeof(err))) {
                mgr_logf(m, "domain-builder: boot: %s", err);
                failed++;
            }
        }
    return failed;
}

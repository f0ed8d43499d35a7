/* Grant tables v1: the core's interface to grant_table.c. */
#ifndef TESSERA_GRANT_H
#define TESSERA_GRANT_H

#include "types.h"
#include <xen/grant_table.h>

struct domain;

int  gnttab_domain_init(struct domain *d);
/* Tear down every mapping d holds of others' grants and every mapping others hold
 * of d's grants (PTEs cleared, references dropped), then free d's grant frames. */
void gnttab_domain_destroy(struct domain *d);

long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count, uint64_t a4, uint64_t a5);

#endif

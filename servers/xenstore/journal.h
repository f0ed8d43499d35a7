/*
 * journal.h: the on-disk record format shared by the journal writer
 * (journal.c) and replay (replay.c).
 */
#ifndef TESSERA_XS_JOURNAL_H
#define TESSERA_XS_JOURNAL_H

#include "xs.h"

/* A record is [u32 body length][u32 checksum of body][body]; the body's first
 * byte is one of these. */
enum {
    J_EPOCH = 1,
    J_BEGIN,
    J_END,
    J_NODE,
    J_DEL,
    J_WATCH,
    J_DOM,
    J_SPECIAL,
    J_OUT,
    J_REQCONS,
    J_TXID,
};

struct xs_journal {
    const struct xs_state_ops *ops;
    void *ctx;
    uint64_t epoch;
    size_t size;
    int depth;
    char *buf;
    size_t len, cap;
    size_t rec; /* start of the record being built */
};

uint32_t journal_checksum(const char *p, size_t n);
/* Apply the records of buf. want_epoch: the file must start with an EPOCH
 * record of this value or it is ignored. Returns the length of the valid prefix. */
size_t journal_replay(struct xs_server *s, const char *buf, size_t len, uint64_t *epoch,
                      const uint64_t *want_epoch);

#endif

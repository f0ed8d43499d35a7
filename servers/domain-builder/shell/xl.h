/* The xl shell: one session per command source (the builder's console,
 * COM2).  A session takes bytes and answers with lines; after
 * `xl console DOMAIN` its input goes to that domain until Ctrl-].
 *
 * Ctrl-] also starts a session afresh wherever it is: it detaches a console,
 * drops a partial line and abandons an upload.  A COM2 client sends it first
 * (QEMU's UART shows no hang-up, so a client that went away cannot be seen;
 * the next one says it arrived), and the host transports call xl_reset when
 * their client disconnects. */
#ifndef DB_XL_H
#define DB_XL_H

#include "mgr/mgr.h"

#define XL_SESSION_LINE 513
#define XL_DETACH_CHAR  0x1d /* Ctrl-] */
#define XL_PROMPT       "xl> "

/* How a session shows what is typed:
 *   XL_TERMINAL (COM2): each byte echoed as it arrives (backspace erases),
 *       the prompt "xl> " after every answer, on a line of its own;
 *   XL_LOG (the builder's console: the hypervisor prints it line by line,
 *       prefixed): a finished line is echoed as one line "xl> LINE". */
enum xl_style { XL_TERMINAL, XL_LOG };

struct xl_upload {
    int active;
    char name[HOSTFILES_NAME + 1];
    uint8_t *buf; /* what arrives: the file, or its gzip stream */
    size_t want, got;
    size_t size; /* the file's size (want, unless gzip) */
    int gzip;
    uint32_t crc;
    int bad; /* a malformed line: reported at the end */
    long lines;
};

struct xl_session {
    struct db_out out;
    enum xl_style style;
    uint32_t attached; /* domain id, or 0 */
    char line[XL_SESSION_LINE];
    size_t n;
    int overlong;
    int cr;              /* the last byte was '\r' (a '\n' after it ends nothing) */
    struct xl_upload up; /* `xl put`: base64 lines until "." */
};

/* Feeds raw input bytes: complete lines are run as commands, passed to the
 * attached console, or taken as upload data. */
void xl_input(struct mgr *m, struct xl_session *s, const char *data, size_t n);
/* Runs one command line. */
void xl_exec(struct mgr *m, struct xl_session *s, const char *line);
/* The session's client went away (or sent Ctrl-]): detach its console, drop
 * partial input, abandon an upload. */
void xl_reset(struct mgr *m, struct xl_session *s);
/* A new client: a fresh prompt (XL_TERMINAL). */
void xl_hello(struct xl_session *s);

/* One answer line to the session. */
void xl_say(struct xl_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How long the vfr-* verbs wait for the network backend's answer (ms). */
extern int xl_vfr_wait_ms;
/* How long the vbd-* verbs wait for the block backend's answer (ms). */
extern int xl_vbd_wait_ms;
/* How long xl save waits for a guest to suspend (ms). */
extern int xl_save_wait_ms;

/* upload.c: `xl put NAME SIZE CRC32` and the lines that follow it */
void xl_put(struct mgr *m, struct xl_session *s, const char *name, const char *size, const char *crc,
            const char *gzip_size);
void xl_upload_line(struct mgr *m, struct xl_session *s, const char *line, size_t n);
void xl_upload_abandon(struct xl_session *s);

/* xl_save.c: `xl save [-c] DOMAIN NAME`, `xl restore [-p] NAME` (docs/save-restore.md) */
struct xl_cmd;
void xl_save(struct mgr *m, struct xl_session *s, const struct xl_cmd *c);
void xl_restore(struct mgr *m, struct xl_session *s, const struct xl_cmd *c);

#endif

/*
 * unit_txn.c: unit tests for transactions (conflicts, no partial effects) and watches.
 */
#include "unit.h"

void test_transactions(void)
{
    struct xs_config cfg;
    xs_config_default(&cfg);
    fresh(&cfg);
    struct xs_conn *p = mkconn(0, true, 0, false);
    struct xs_conn *q = mkconn(0, true, 1, false);
    struct xs_conn *d5 = mkconn(5, false, 2, false);
    rq(p, 0, "WRITE", "/t/x", "1");
    const char *r = rq(p, 0, "TRANSACTION_START", "");
    uint32_t t = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
    check(t != 0 && last_reply.tx_id == 0, "TRANSACTION_START returns a decimal id (%u)", t);
    check_str(rq(p, t, "READ", "/t/x"), "READ 1", "read inside transaction");
    check(last_reply.tx_id == t, "reply echoes tx_id");
    rq(p, t, "WRITE", "/t/y", "2");
    check_str(rq(q, 0, "READ", "/t/y"), "ERROR ENOENT|", "uncommitted write invisible to others");
    check_str(rq(p, t, "READ", "/t/y"), "READ 2", "visible inside the transaction");
    rq(q, 0, "WATCH", "/t", "tok");
    events(q);
    check_str(rq(p, t, "TRANSACTION_END", "T"), "TRANSACTION_END OK|", "commit");
    check_str(rq(q, 0, "READ", "/t/y"), "READ 2", "committed write visible");
    check_str(events(q), "/t/y|tok|;", "watch fires on commit");

    /* conflict: t2 reads x, someone else writes x, t2 commits -> EAGAIN */
    r = rq(p, 0, "TRANSACTION_START", "");
    uint32_t t2 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
    rq(p, t2, "READ", "/t/x");
    rq(p, t2, "WRITE", "/t/z", "new");
    rq(p, t2, "WRITE", "/t/y", "changed");
    events(q);
    rq(q, 0, "WRITE", "/t/x", "other");
    events(q);
    check_str(rq(p, t2, "TRANSACTION_END", "T"), "ERROR EAGAIN|", "conflicting commit: EAGAIN");
    check_str(rq(q, 0, "READ", "/t/z"), "ERROR ENOENT|", "no partial effect: created node absent");
    check_str(rq(q, 0, "READ", "/t/y"), "READ 2", "no partial effect: modified node unchanged");
    check_str(events(q), "", "no watch events from a failed commit");
    check_str(rq(p, t2, "READ", "/t/x"), "ERROR ENOENT|", "transaction is gone after EAGAIN");

    /* unrelated concurrent writes do not conflict */
    r = rq(p, 0, "TRANSACTION_START", "");
    uint32_t t3 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
    rq(p, t3, "READ", "/t/x");
    rq(p, t3, "WRITE", "/t/x", "mine");
    rq(q, 0, "WRITE", "/u/other", "z");
    check_str(rq(p, t3, "TRANSACTION_END", "T"), "TRANSACTION_END OK|", "unrelated write does not conflict");
    check_str(rq(q, 0, "READ", "/t/x"), "READ mine", "commit applied");

    /* creating a sibling changes the parent: a txn that listed it conflicts */
    r = rq(p, 0, "TRANSACTION_START", "");
    uint32_t t4 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
    rq(p, t4, "DIRECTORY", "/t");
    rq(p, t4, "WRITE", "/t/w", "1");
    rq(q, 0, "WRITE", "/t/sibling", "1");
    check_str(rq(p, t4, "TRANSACTION_END", "T"), "ERROR EAGAIN|",
              "child-list change conflicts with a directory read");

    /* abort */
    r = rq(p, 0, "TRANSACTION_START", "");
    uint32_t t5 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
    rq(p, t5, "RM", "/t/x");
    check_str(rq(p, t5, "READ", "/t/x"), "ERROR ENOENT|", "rm visible inside transaction");
    check_str(rq(q, 0, "READ", "/t/x"), "READ mine", "rm invisible outside");
    check_str(rq(p, t5, "TRANSACTION_END", "F"), "TRANSACTION_END OK|", "abort");
    check_str(rq(q, 0, "READ", "/t/x"), "READ mine", "abort discards");
    check_str(rq(p, 4242, "READ", "/t/x"), "ERROR ENOENT|", "bogus tx id: ENOENT");
    check_str(rq(p, 4242, "TRANSACTION_END", "T"), "ERROR ENOENT|", "end of bogus tx id: ENOENT");
    r = rq(p, 0, "TRANSACTION_START", "");
    uint32_t t6 = (uint32_t)atoi(r + strlen("TRANSACTION_START "));
    check_str(rq(p, t6, "TRANSACTION_END", "X"), "ERROR EINVAL|",
              "TRANSACTION_END with bad argument: EINVAL");
    check_str(rq(p, t6, "TRANSACTION_START", ""), "ERROR EBUSY|",
              "TRANSACTION_START inside a transaction: EBUSY");
    check_str(rq(q, t6, "READ", "/t/x"), "ERROR ENOENT|", "another connection cannot use my tx id");
    /* quota */
    int ok = 0;
    for (int i = 0; i < 11; i++)
        ok += !strncmp(rq(d5, 0, "TRANSACTION_START", ""), "TRANSACTION_START ", 18);
    check(ok == 11, "quota 10 admits 11 transactions, as Xen's check does");
    check_str(rq(d5, 0, "TRANSACTION_START", ""), "ERROR ENOSPC|", "12th transaction: ENOSPC");
}

void test_watches(void)
{
    fresh(NULL);
    struct xs_conn *p = mkconn(0, true, 0, false);
    struct xs_conn *w = mkconn(0, true, 1, false);
    struct xs_conn *d5 = mkconn(5, false, 2, false);
    check_str(rq(w, 0, "WATCH", "/w/a", "T1"), "WATCH OK|", "watch");
    check_str(events(w), "/w/a|T1|;", "fires once on registration");
    rq(p, 0, "WRITE", "/w/a/b/c", "1");
    check_str(events(w), "/w/a/b/c|T1|;", "change below fires with the changed path");
    rq(p, 0, "WRITE", "/w/other", "1");
    rq(p, 0, "WRITE", "/w/ab", "1");
    check_str(events(w), "", "siblings and prefix-lookalikes do not fire");
    rq(w, 0, "WATCH", "/w/a/b/c", "T2");
    events(w);
    rq(p, 0, "RM", "/w");
    check_str(events(w), "/w/a/b/c|T2|;/w/a|T1|;",
              "removing an ancestor fires each watch below it once, with the watched path");
    check_str(rq(w, 0, "WATCH", "/w/a", "T1"), "ERROR EEXIST|", "duplicate watch: EEXIST");
    check_str(rq(w, 0, "UNWATCH", "/w/a", "T1"), "UNWATCH OK|", "unwatch");
    check_str(rq(w, 0, "UNWATCH", "/w/a", "T1"), "ERROR ENOENT|", "unwatch unknown: ENOENT");
    rq(p, 0, "WRITE", "/w/a", "x");
    check_str(events(w), "", "no events after unwatch");
    /* relative watch from a domain */
    rq(p, 0, "MKDIR", "/local/domain/5");
    rq(p, 0, "SET_PERMS", "/local/domain/5", "n5");
    check_str(rq(d5, 0, "WATCH", "device", "rel"), "WATCH OK|", "relative watch");
    events(d5);
    rq(p, 0, "WRITE", "/local/domain/5/device/vif/0/state", "1");
    check_str(events(d5), "device/vif/0/state|rel|;", "relative watch reports relative paths");
    /* permission filtering */
    rq(d5, 0, "WATCH", "/secret", "s");
    check_str(events(d5), "/secret|s|;", "watch on an unreadable path still fires on registration");
    rq(p, 0, "WRITE", "/secret/x", "1");
    check_str(events(d5), "", "no event for a node the watcher cannot read");
    rq(p, 0, "SET_PERMS", "/secret/x", "r0");
    check_str(events(d5), "/secret/x|s|;", "set_perms making the node readable fires");
    rq(p, 0, "WRITE", "/secret/x", "2");
    check_str(events(d5), "/secret/x|s|;", "once readable, changes are delivered");
    rq(p, 0, "SET_PERMS", "/secret/x", "n0");
    check_str(events(d5), "/secret/x|s|;", "set_perms hiding the node still fires (old perms)");
    rq(p, 0, "WRITE", "/secret/x", "3");
    check_str(events(d5), "", "then it is hidden");
    rq(p, 0, "SET_PERMS", "/secret", "r0");
    events(d5);
    rq(p, 0, "WRITE", "/secret/x", "4");
    check_str(events(d5), "/secret/x|s|;", "an unreadable node under a readable parent fires (as Xen)");
    /* special watches */
    rq(w, 0, "WATCH", "@introduceDomain", "in");
    rq(w, 0, "WATCH", "@releaseDomain", "out");
    rq(d5, 0, "WATCH", "@introduceDomain", "in5");
    check_str(events(w), "@introduceDomain|in|;@releaseDomain|out|;", "special watches fire on registration");
    events(d5);
    check_str(rq(p, 0, "INTRODUCE", "9", "4096", "5"), "INTRODUCE OK|", "introduce");
    check_str(events(w), "@introduceDomain|in|;", "@introduceDomain fires");
    check_str(events(d5), "", "@introduceDomain hidden from unprivileged domains by its perms");
    check_str(rq(p, 0, "IS_DOMAIN_INTRODUCED", "9"), "IS_DOMAIN_INTRODUCED T|", "IS_DOMAIN_INTRODUCED T");
    check_str(rq(p, 0, "INTRODUCE", "9", "4096", "5"), "INTRODUCE OK|", "re-introduce with same ring: OK");
    check_str(events(w), "", "re-introduce does not fire again");
    check_str(rq(p, 0, "INTRODUCE", "9", "8192", "5"), "ERROR EEXIST|",
              "re-introduce with another ring: EEXIST");
    xs_server_domain_state(srv, 9, true, false);
    check_str(events(w), "@releaseDomain|out|;", "domain shutdown fires @releaseDomain");
    xs_server_domain_state(srv, 9, true, false);
    check_str(events(w), "", "only once per shutdown");
    check_str(rq(p, 0, "RESUME", "9"), "RESUME OK|", "resume");
    xs_server_domain_state(srv, 9, true, false);
    check_str(events(w), "@releaseDomain|out|;", "after RESUME a new shutdown fires again");
    rq(p, 0, "MKDIR", "/local/domain/9/data");
    rq(p, 0, "SET_PERMS", "/local/domain/9", "n9");
    rq(p, 0, "WRITE", "/keepme", "1");
    events(w);
    check_str(rq(p, 0, "RELEASE", "9"), "RELEASE OK|", "release");
    check_str(events(w), "@releaseDomain|out|;", "@releaseDomain fires");
    check_str(rq(p, 0, "READ", "/local/domain/9"), "ERROR ENOENT|",
              "nodes owned by the released domain are removed (as Xen)");
    check_str(rq(p, 0, "READ", "/keepme"), "READ 1", "others' nodes stay");
    check_str(rq(p, 0, "IS_DOMAIN_INTRODUCED", "9"), "IS_DOMAIN_INTRODUCED F|",
              "IS_DOMAIN_INTRODUCED F after release");
    check_str(rq(p, 0, "RELEASE", "9"), "ERROR ENOENT|", "release of unknown domain: ENOENT");
    check_str(rq(p, 0, "INTRODUCE", "32752", "1", "1"), "ERROR EINVAL|",
              "introduce of a reserved domid: EINVAL");
    check_str(rq(d5, 0, "RESET_WATCHES", ""), "RESET_WATCHES OK|", "reset_watches");
    rq(p, 0, "WRITE", "/local/domain/5/device/x", "1");
    check_str(events(d5), "", "no events after reset_watches");
    /* watch quota */
    struct xs_config cfg;
    xs_config_default(&cfg);
    cfg.quota_watches = 3;
    fresh(&cfg);
    d5 = mkconn(5, false, 2, false);
    rq(d5, 0, "WATCH", "/a", "1");
    rq(d5, 0, "WATCH", "/a", "2");
    rq(d5, 0, "WATCH", "/a", "3");
    check_str(rq(d5, 0, "WATCH", "/a", "4"), "WATCH OK|", "watch quota 3 admits a 4th, as Xen");
    check_str(rq(d5, 0, "WATCH", "/a", "5"), "ERROR E2BIG|", "5th watch: E2BIG");
}

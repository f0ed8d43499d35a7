/*
 * unit_tree.c: unit tests for tree operations and the permission model.
 */
#include "unit.h"

void test_tree(void)
{
    fresh(NULL);
    struct xs_conn *p = mkconn(0, true, 0, false);
    check_str(rq(p, 0, "WRITE", "/a/b/c", "hello"), "WRITE OK|", "write creates parents");
    check_str(rq(p, 0, "READ", "/a/b/c"), "READ hello", "read returns value without NUL");
    check_str(rq(p, 0, "READ", "/a/b"), "READ", "created parent has empty value");
    rq(p, 0, "WRITE", "/a/z", "1");
    rq(p, 0, "WRITE", "/a/m", "2");
    check_str(rq(p, 0, "DIRECTORY", "/a"), "DIRECTORY b|z|m|", "directory lists children in creation order");
    check_str(rq(p, 0, "READ", "/nope"), "ERROR ENOENT|", "read of missing node: ENOENT");
    check_str(rq(p, 0, "MKDIR", "/a/b/c"), "MKDIR OK|", "mkdir of existing node succeeds");
    check_str(rq(p, 0, "READ", "/a/b/c"), "READ hello", "mkdir leaves the value alone");
    check_str(rq(p, 0, "RM", "/a/b"), "RM OK|", "rm removes a subtree");
    check_str(rq(p, 0, "READ", "/a/b/c"), "ERROR ENOENT|", "subtree is gone");
    check_str(rq(p, 0, "DIRECTORY", "/a"), "DIRECTORY z|m|", "parent's child list updated");
    check_str(rq(p, 0, "RM", "/a/nothere"), "RM OK|", "rm of missing node with existing parent: OK");
    check_str(rq(p, 0, "RM", "/q/nothere"), "ERROR ENOENT|", "rm with missing parent: ENOENT");
    check_str(rq(p, 0, "RM", "/"), "ERROR EINVAL|", "rm of root: EINVAL");
    check_str(rq(p, 0, "WRITE", "//a", "x"), "ERROR EINVAL|", "double slash: EINVAL");
    check_str(rq(p, 0, "WRITE", "/a/", "x"), "ERROR EINVAL|", "trailing slash: EINVAL");
    check_str(rq(p, 0, "READ", "/a b"), "ERROR EINVAL|", "bad character: EINVAL");
    check_str(rq(p, 0, "WRITE", "rel/x", "v"), "WRITE OK|", "relative path accepted");
    check_str(rq(p, 0, "READ", "/local/domain/0/rel/x"), "READ v",
              "relative path is under /local/domain/<id>");
    {
        char big[3100];
        memset(big, 'a', sizeof(big) - 1);
        big[0] = '/';
        big[sizeof(big) - 1] = '\0';
        check_str(rq(p, 0, "WRITE", big, "v"), "ERROR EINVAL|",
                  "path longer than XENSTORE_ABS_PATH_MAX: EINVAL");
        char p2[2200];
        strcpy(p2, "/local/domain/5/");
        size_t l = strlen(p2);
        for (size_t i = 0; i < 2048; i++)
            p2[l + i] = (i % 100 == 99) ? '/' : 'b';
        p2[l + 2048] = '\0';
        check_str(rq(p, 0, "WRITE", p2, "v"), "WRITE OK|", "2048 characters below /local/domain/5/: fine");
        memmove(p2 + 1, p2 + l, 2049);
        p2[0] = '/';
        check_str(rq(p, 0, "WRITE", p2, "v"), "ERROR EINVAL|", "2049 characters elsewhere: EINVAL (as Xen)");
    }
    /* value with an embedded NUL and an empty value */
    {
        char buf[32] = "/bin\0x\0y";
        struct xsd_sockmsg h = { XS_WRITE, 7, 0, 8 };
        char reply[64];
        xs_conn_message(p, &h, buf);
        drain(p, reply, sizeof(reply));
        check_str(rq(p, 0, "READ", "/bin"), "READ x|y", "binary value round-trips");
        check_str(rq(p, 0, "WRITE", "/empty", ""), "WRITE OK|", "empty value");
    }
    /* long child list: DIRECTORY says E2BIG, DIRECTORY_PART pages it */
    for (int i = 0; i < 300; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/many/child-number-%03d", i);
        rq(p, 0, "WRITE", path, "");
    }
    check_str(rq(p, 0, "DIRECTORY", "/many"), "ERROR E2BIG|", "oversized directory: E2BIG");
    unsigned off = 0, count = 0, rounds = 0;
    char gen[32] = "";
    bool same_gen = true, ended = false;
    while (rounds++ < 10 && !ended) {
        char o[16];
        snprintf(o, sizeof(o), "%u", off);
        const char *r = rq(p, 0, "DIRECTORY_PART", "/many", o);
        if (strncmp(r, "DIRECTORY_PART ", 15)) break;
        const char *body = r + 15;
        const char *bar = strchr(body, '|');
        char g[32];
        snprintf(g, sizeof(g), "%.*s", (int)(bar - body), body);
        if (!gen[0]) strcpy(gen, g);
        same_gen &= !strcmp(gen, g);
        const char *names_ = bar + 1;
        size_t nl = strlen(names_);
        ended = nl >= 2 && !strcmp(names_ + nl - 2, "||");
        for (const char *q = names_; *q; q++)
            if (*q == '|' && q > names_ && q[-1] != '|') count++;
        off += (unsigned)(nl - (ended ? 1 : 0));
    }
    check(ended && count == 300 && same_gen && rounds > 2,
          "DIRECTORY_PART pages 300 children (%u) with a stable generation", count);
    {
        const char *r = rq(p, 0, "DIRECTORY_PART", "/many", "99999");
        const char *q = r + strlen("DIRECTORY_PART ");
        const char *digits = q;
        while (*q >= '0' && *q <= '9')
            q++;
        check(!strncmp(r, "DIRECTORY_PART ", 15) && q > digits && !strcmp(q, "||"),
              "DIRECTORY_PART offset past end: empty complete list, as Xen");
    }
}

void test_perms(void)
{
    fresh(NULL);
    struct xs_conn *p = mkconn(0, true, 0, false);
    struct xs_conn *d5 = mkconn(5, false, 1, false);
    struct xs_conn *d6 = mkconn(6, false, 2, false);
    check_str(rq(p, 0, "GET_PERMS", "/"), "GET_PERMS n0|", "root is owned by 0, no access");
    rq(p, 0, "WRITE", "/a/x", "secret");
    check_str(rq(d5, 0, "READ", "/a/x"), "ERROR EACCES|", "unprivileged read of n0 node: EACCES");
    check_str(rq(d5, 0, "READ", "/a/missing"), "ERROR EACCES|",
              "missing node under unreadable parent: EACCES");
    check_str(rq(p, 0, "SET_PERMS", "/a/x", "n0", "r5"), "SET_PERMS OK|", "privileged set_perms");
    check_str(rq(p, 0, "GET_PERMS", "/a/x"), "GET_PERMS n0|r5|", "get_perms returns what was set");
    check_str(rq(d5, 0, "READ", "/a/x"), "READ secret", "r5 lets domain 5 read");
    check_str(rq(d5, 0, "WRITE", "/a/x", "y"), "ERROR EACCES|", "r5 does not let domain 5 write");
    check_str(rq(d6, 0, "READ", "/a/x"), "ERROR EACCES|", "domain 6 falls back to the default (n)");
    check_str(rq(p, 0, "SET_PERMS", "/a/x", "r0", "w5"), "SET_PERMS OK|", "set r0 w5");
    check_str(rq(d6, 0, "READ", "/a/x"), "READ secret", "default r applies to unlisted domains");
    check_str(rq(d5, 0, "READ", "/a/x"), "ERROR EACCES|", "w5 is write-only");
    check_str(rq(d5, 0, "WRITE", "/a/x", "new"), "WRITE OK|", "w5 may write");
    rq(p, 0, "MKDIR", "/home");
    rq(p, 0, "SET_PERMS", "/home", "n0", "b5");
    check_str(rq(d5, 0, "WRITE", "/home/d5/f", "v"), "WRITE OK|", "b5 may create below");
    check_str(rq(p, 0, "GET_PERMS", "/home/d5/f"), "GET_PERMS n5|b5|",
              "node created by a domain is owned by it, other entries inherited");
    check_str(rq(p, 0, "WRITE", "/home/p", "v"), "WRITE OK|", "privileged create");
    check_str(rq(p, 0, "GET_PERMS", "/home/p"), "GET_PERMS n0|b5|",
              "privileged create inherits parent perms as is");
    check_str(rq(d6, 0, "WRITE", "/home/x", "v"), "ERROR EACCES|", "no write on parent: EACCES on create");
    check_str(rq(d5, 0, "SET_PERMS", "/home/p", "b5"), "ERROR EACCES|", "non-owner with b cannot set perms");
    check_str(rq(d5, 0, "SET_PERMS", "/home/d5/f", "n5", "r6"), "SET_PERMS OK|", "owner sets perms");
    check_str(rq(d6, 0, "READ", "/home/d5/f"), "READ v", "grant to 6 works");
    check_str(rq(d5, 0, "SET_PERMS", "/home/d5/f", "n6"), "ERROR EPERM|", "owner cannot give ownership away");
    check_str(rq(d5, 0, "SET_PERMS", "/home/d5/f", "x5"), "ERROR EINVAL|", "bad permission letter: EINVAL");
    check_str(rq(d5, 0, "RM", "/home/p"), "RM OK|", "b5 may remove");
    check_str(rq(d5, 0, "INTRODUCE", "9", "1", "1"), "ERROR EACCES|", "INTRODUCE needs privilege");
    check_str(rq(d5, 0, "CONTROL", "print", "x"), "ERROR EACCES|", "CONTROL needs privilege");
    check_str(rq(d5, 0, "GET_DOMAIN_PATH", "7"), "GET_DOMAIN_PATH /local/domain/7|",
              "GET_DOMAIN_PATH for anyone");
    /* privilege is a property of the connection, not of domid 0 */
    struct xs_conn *z = mkconn(0, false, 3, false);
    check_str(rq(z, 0, "READ", "/a/x"), "READ new", "unprivileged domid 0 gets the default perm (r)");
    rq(p, 0, "SET_PERMS", "/a/x", "n1");
    check_str(rq(z, 0, "READ", "/a/x"), "ERROR EACCES|", "unprivileged domid 0 is refused like any domain");
    check_str(rq(z, 0, "INTRODUCE", "9", "1", "1"), "ERROR EACCES|", "unprivileged domid 0 cannot INTRODUCE");
    /* device-model target: 7 acts for 5 */
    rq(p, 0, "INTRODUCE", "7", "100", "3");
    struct xs_conn *d7 = domconn(7);
    check_str(rq(d7, 0, "READ", "/home/d5/f"), "ERROR EACCES|", "domain 7 cannot read 5's node");
    check_str(rq(p, 0, "SET_TARGET", "7", "5"), "ERROR ENOENT|",
              "SET_TARGET to a domain not introduced: ENOENT");
    rq(p, 0, "INTRODUCE", "5", "101", "4");
    check_str(rq(p, 0, "SET_TARGET", "7", "5"), "SET_TARGET OK|", "SET_TARGET 7 5");
    check_str(rq(d7, 0, "READ", "/home/d5/f"), "READ v", "target domain gets the owner's access");
}

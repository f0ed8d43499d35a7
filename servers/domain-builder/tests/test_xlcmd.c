/* xl command-line parsing: every command, options, quoting, and the
 * refusals with their exact messages. */
#include "unit.h"
#include "shell/xlcmd.h"

static void ok(const char *line, const char *verb, const char *arg, int console, int wait)
{
    struct xl_cmd c;
    char err[256] = "";
    int rc = xl_parse(line, &c, err, sizeof(err));
    CHECK(rc == 0 && (verb ? c.verb && !strcmp(c.verb->name, verb) : !c.verb) && !strcmp(c.arg, arg) &&
              xl_opt(&c, 'c') == console && xl_opt(&c, 'w') == wait,
          "parse '%s' (%s) -> %s arg '%s'", line, err, c.verb ? c.verb->name : "nothing", c.arg);
}

static void bad(const char *line, const char *msg)
{
    struct xl_cmd c;
    char err[256] = "";
    CHECK(xl_parse(line, &c, err, sizeof(err)) == -1, "'%s' refused", line);
    CHECK_STR(err, msg, line);
}

void test_xlcmd(void)
{
    ok("", NULL, "", 0, 0);
    ok("   # comment", NULL, "", 0, 0);
    ok("xl list", "list", "", 0, 0);
    ok("list\r\n", "list", "", 0, 0);
    ok("xl info", "info", "", 0, 0);
    ok("xl help", "help", "", 0, 0);
    ok("xl create /etc/xen/a.cfg", "create", "/etc/xen/a.cfg", 0, 0);
    ok("xl create -c a.cfg", "create", "a.cfg", 1, 0);
    ok("xl create a.cfg -c", "create", "a.cfg", 1, 0);
    ok("xl create \"my file.cfg\"", "create", "my file.cfg", 0, 0);
    ok("xl  destroy\tweb", "destroy", "web", 0, 0);
    ok("xl shutdown -w 3", "shutdown", "3", 0, 1);
    ok("xl reboot web", "reboot", "web", 0, 0);
    ok("xl pause web", "pause", "web", 0, 0);
    ok("xl unpause 'web'", "unpause", "web", 0, 0);
    ok("xl console web", "console", "web", 0, 0);
    ok("xl restart xenstore", "restart", "xenstore", 0, 0);
    ok("xl list web", "list", "web", 0, 0);
    {
        struct xl_cmd c;
        char err[256] = "";
        CHECK(!xl_parse("xl list -l", &c, err, sizeof(err)) && xl_opt(&c, 'l') && !c.arg[0], "list -l");
        CHECK(!xl_parse("xl create -p -n a.cfg", &c, err, sizeof(err)) && xl_opt(&c, 'p') &&
                  xl_opt(&c, 'n') && !xl_opt(&c, 'c') && !strcmp(c.arg, "a.cfg"),
              "create -p -n");
        CHECK(!xl_parse("xl mem-set web 512m", &c, err, sizeof(err)) && !strcmp(c.verb->name, "mem-set") &&
                  c.npos == 2 && !strcmp(c.pos[0], "web") && !strcmp(c.pos[1], "512m"),
              "mem-set");
        CHECK(!xl_parse("xl sched-credit", &c, err, sizeof(err)) && !strcmp(c.verb->name, "sched-credit") &&
                  !xl_opt(&c, 'd'),
              "sched-credit");
        CHECK(!xl_parse("xl sched-credit -d web -w 512 -c 50", &c, err, sizeof(err)) &&
                  !strcmp(xl_optval(&c, 'd'), "web") && !strcmp(xl_optval(&c, 'w'), "512") &&
                  !strcmp(xl_optval(&c, 'c'), "50"),
              "sched-credit -d -w -c");
        CHECK(!xl_parse("xl put 'a b/vmlinuz' 100 0badcafe", &c, err, sizeof(err)) &&
                  !strcmp(c.verb->name, "put") && !strcmp(c.pos[0], "a b/vmlinuz") &&
                  !strcmp(c.pos[2], "0badcafe"),
              "put");
    }
    bad("xl sched-credit -w 5", "usage: xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]");
    bad("xl sched-credit -d", "usage: xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]");
    bad("xl sched-credit web", "usage: xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]");
    bad("xl mem-set web", "usage: xl mem-set DOMAIN MEM");
    bad("xl put a 1", "usage: xl put NAME SIZE CRC32 [GZIP-SIZE]");
    bad("xl sched-credit -d web -w 1234567890123456789012345678901234567890123456789012345678901234",
        "argument longer than 63 characters");
    /* the device verbs (xl's syntax) */
    {
        struct xl_cmd c;
        char err[256] = "";
        CHECK(!xl_parse("xl block-attach linux 'vdev=xvdb, target=data' w", &c, err, sizeof(err)) &&
                  !strcmp(c.verb->name, "block-attach") && c.npos == 3 &&
                  !strcmp(c.pos[1], "vdev=xvdb, target=data"),
              "block-attach: the spec's words");
        CHECK(!xl_parse("xl block-detach -f linux xvdb", &c, err, sizeof(err)) && xl_opt(&c, 'f') &&
                  !strcmp(c.pos[1], "xvdb"),
              "block-detach -f");
        CHECK(!xl_parse("xl network-attach linux mac=00:16:3e:00:00:01 ip=10.0.0.2", &c, err, sizeof(err)) &&
                  c.npos == 3,
              "network-attach KEY=VALUE...");
        CHECK(!xl_parse("xl vfr-rule-add -b nb -p 0 proto=tcp dport=22 drop", &c, err, sizeof(err)) &&
                  !strcmp(xl_optval(&c, 'b'), "nb") && !strcmp(xl_optval(&c, 'p'), "0") && c.npos == 3,
              "vfr-rule-add -b -p RULE...");
        CHECK(!xl_parse("xl dmesg -c", &c, err, sizeof(err)) && xl_opt(&c, 'c'), "dmesg -c");
        CHECK(!xl_parse("xl vcpu-list web xenstore", &c, err, sizeof(err)) && c.npos == 2,
              "vcpu-list DOMAINS");
    }
    bad("xl block-attach linux", "usage: xl block-attach DOMAIN DISK-SPEC...");
    bad("xl block-detach linux", "usage: xl block-detach [-f] DOMAIN VDEV");
    bad("xl block-list", "usage: xl block-list DOMAIN...");
    bad("xl network-detach linux", "usage: xl network-detach DOMAIN DEVID|MAC");
    bad("xl vbd-create a",
        "usage: xl vbd-create [-b BACKEND] NAME SIZE (Tessera: SIZE in bytes, K, M, G, T)");
    bad("xl vbd-grow a 1M 2M", "usage: xl vbd-grow [-b BACKEND] NAME SIZE (Tessera)");
    bad("xl vbd-delete", "usage: xl vbd-delete [-b BACKEND] NAME (Tessera: not while attached)");
    bad("xl vbd-list a", "usage: xl vbd-list [-b BACKEND] (Tessera: the block backend's VBDs)");
    bad("xl network-list", "usage: xl network-list DOMAIN...");
    bad("xl dmesg -x", "usage: xl dmesg [-c]");
    bad("xl vfr-rule-del", "usage: xl vfr-rule-del [-b BACKEND] N (Tessera)");
    bad("xl", "usage: xl COMMAND (try 'xl help')");
    bad("xl frobnicate", "unknown command 'frobnicate' (try 'xl help')");
    bad("xl create", "usage: xl create [-c] [-p] [-n] FILE [KEY=VALUE...]");
    bad("xl create a b", "usage: xl create [-c] [-p] [-n] FILE [KEY=VALUE...]");
    bad("xl create -x a", "usage: xl create [-c] [-p] [-n] FILE [KEY=VALUE...]");
    bad("xl destroy", "usage: xl destroy DOMAIN");
    bad("xl destroy -c web", "usage: xl destroy DOMAIN");
    bad("xl list web db", "usage: xl list [-l] [-v] [DOMAIN]");
    bad("xl list -x", "usage: xl list [-l] [-v] [DOMAIN]");
    bad("xl destroy ''", "usage: xl destroy DOMAIN");
    bad("xl create \"a.cfg", "unterminated quote");
    bad("xl a b c d e f g h i j k l m", "too many words");
    bad("xl list\x01", "control character in command");
    bad("xl list\x1b[A", "control character in command");
    char big[600];
    memset(big, 'a', sizeof(big));
    big[599] = 0;
    bad(big, "line longer than 512 characters");
    memcpy(big, "xl create ", 10);
    big[10 + 256] = 0;
    bad(big, "argument longer than 255 characters");
}

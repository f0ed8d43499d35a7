/* xl command-line parsing: every command, options, quoting, and the
 * refusals with their exact messages. */
#include "unit.h"
#include "shell/xlcmd.h"

static void ok(const char *line, enum xl_op op, const char *arg, int console, int wait)
{
    struct xl_cmd c;
    char err[256] = "";
    int rc = xl_parse(line, &c, err, sizeof(err));
    CHECK(rc == 0 && c.op == op && !strcmp(c.arg, arg) && c.console == console && c.wait == wait,
          "parse '%s' (%s) -> op %d arg '%s'", line, err, c.op, c.arg);
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
    ok("", XL_NONE, "", 0, 0);
    ok("   # comment", XL_NONE, "", 0, 0);
    ok("xl list", XL_LIST, "", 0, 0);
    ok("list\r\n", XL_LIST, "", 0, 0);
    ok("xl info", XL_INFO, "", 0, 0);
    ok("xl help", XL_HELP, "", 0, 0);
    ok("xl create /etc/xen/a.cfg", XL_CREATE, "/etc/xen/a.cfg", 0, 0);
    ok("xl create -c a.cfg", XL_CREATE, "a.cfg", 1, 0);
    ok("xl create a.cfg -c", XL_CREATE, "a.cfg", 1, 0);
    ok("xl create \"my file.cfg\"", XL_CREATE, "my file.cfg", 0, 0);
    ok("xl  destroy\tweb", XL_DESTROY, "web", 0, 0);
    ok("xl shutdown -w 3", XL_SHUTDOWN, "3", 0, 1);
    ok("xl reboot web", XL_REBOOT, "web", 0, 0);
    ok("xl pause web", XL_PAUSE, "web", 0, 0);
    ok("xl unpause 'web'", XL_UNPAUSE, "web", 0, 0);
    ok("xl console web", XL_CONSOLE, "web", 0, 0);
    ok("xl restart xenstore", XL_RESTART, "xenstore", 0, 0);
    ok("xl list web", XL_LIST, "web", 0, 0);
    {
        struct xl_cmd c;
        char err[256] = "";
        CHECK(!xl_parse("xl list -l", &c, err, sizeof(err)) && c.longfmt && !c.arg[0], "list -l");
        CHECK(!xl_parse("xl create -p -n a.cfg", &c, err, sizeof(err)) && c.paused && c.dryrun &&
                  !c.console && !strcmp(c.arg, "a.cfg"),
              "create -p -n");
        CHECK(!xl_parse("xl mem-set web 512m", &c, err, sizeof(err)) && c.op == XL_MEMSET && c.npos == 2 &&
                  !strcmp(c.pos[0], "web") && !strcmp(c.pos[1], "512m"),
              "mem-set");
        CHECK(!xl_parse("xl sched-credit", &c, err, sizeof(err)) && c.op == XL_SCHED_CREDIT && !c.dom[0],
              "sched-credit");
        CHECK(!xl_parse("xl sched-credit -d web -w 512 -c 50", &c, err, sizeof(err)) &&
                  !strcmp(c.dom, "web") && !strcmp(c.weight, "512") && !strcmp(c.cap, "50"),
              "sched-credit -d -w -c");
        CHECK(!xl_parse("xl put 'a b/vmlinuz' 100 0badcafe", &c, err, sizeof(err)) && c.op == XL_PUT &&
                  !strcmp(c.pos[0], "a b/vmlinuz") && !strcmp(c.pos[2], "0badcafe"),
              "put");
    }
    bad("xl sched-credit -w 5", "usage: xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]");
    bad("xl sched-credit -d", "usage: xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]");
    bad("xl sched-credit web", "usage: xl sched-credit [-d DOMAIN [-w WEIGHT] [-c CAP]]");
    bad("xl mem-set web", "usage: xl mem-set DOMAIN MEM");
    bad("xl put a 1", "usage: xl put NAME SIZE CRC32 [GZIP-SIZE]");
    bad("xl sched-credit -d web -w 123456789012345678901234567890123", "argument longer than 31 characters");
    bad("xl", "usage: xl COMMAND (try 'xl help')");
    bad("xl frobnicate", "unknown command 'frobnicate' (try 'xl help')");
    bad("xl create", "usage: xl create [-c] [-p] [-n] FILE [KEY=VALUE...]");
    bad("xl create a b", "usage: xl create [-c] [-p] [-n] FILE [KEY=VALUE...]");
    bad("xl create -x a", "usage: xl create [-c] [-p] [-n] FILE [KEY=VALUE...]");
    bad("xl destroy", "usage: xl destroy DOMAIN");
    bad("xl destroy -c web", "usage: xl destroy DOMAIN");
    bad("xl list web db", "usage: xl list [-l] [DOMAIN]");
    bad("xl list -x", "usage: xl list [-l] [DOMAIN]");
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

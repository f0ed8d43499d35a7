/* Boot configuration parsing. */
#include "unit.h"
#include "cfg/bootcfg.h"

void test_bootcfg(void)
{
    static struct bootcfg bc;
    char err[256] = "";
    const char *t = "# boot\n/etc/xs.cfg\n\n  guest.cfg   # a guest\r\nnet.cfg";
    CHECK(bootcfg_parse("boot.list", t, strlen(t), &bc, err, sizeof(err)) == 0, "parse: %s", err);
    CHECK(bc.n == 3 && !strcmp(bc.path[0], "/etc/xs.cfg") && !strcmp(bc.path[1], "guest.cfg") &&
              !strcmp(bc.path[2], "net.cfg") && bc.line[1] == 4,
          "three entries");
    CHECK(bootcfg_parse("boot.list", "a.cfg b.cfg\n", 12, &bc, err, sizeof(err)) == -1, "two per line");
    CHECK_STR(err, "boot.list:1: one config file per line", "message");
    CHECK(bootcfg_parse("boot.list", "a\0b", 3, &bc, err, sizeof(err)) == -1, "NUL");
    CHECK_STR(err, "boot.list: NUL byte in file", "NUL message");
    CHECK(bootcfg_parse("boot.list", "\na\x01\n", 4, &bc, err, sizeof(err)) == -1, "control");
    CHECK_STR(err, "boot.list:2: control character", "control message");
}

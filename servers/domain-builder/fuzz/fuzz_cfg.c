/* libFuzzer target: xl.cfg files, boot configurations and xl command lines
 * (all hostile input the builder parses).  The first byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cfg/bootcfg.h"
#include "cfg/domcfg.h"
#include "shell/xlcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct domcfg d;
    static struct bootcfg bc;
    char err[CFG_ERR_LEN];
    if (!size) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] % 3 == 0)
        domcfg_parse("f.cfg", text, len, &d, err, sizeof(err));
    else if (data[0] % 3 == 1)
        bootcfg_parse("boot", text, len, &bc, err, sizeof(err));
    else {
        char *line = malloc(len + 1);
        struct xl_cmd c;
        memcpy(line, text, len);
        line[len] = 0;
        xl_parse(line, &c, err, sizeof(err));
        free(line);
    }
    return 0;
}

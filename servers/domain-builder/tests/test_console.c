/* Console ring: draining with wrap-around, prefixed printable lines,
 * corrupt producer indices, input ring space. */
#include "unit.h"
#include "shell/console.h"

static char lines[16][256];
static int nlines;

static void emit(void *ctx, const char *l)
{
    (void)ctx;
    if (nlines < 16) snprintf(lines[nlines++], sizeof(lines[0]), "%s", l);
}

static void put_out(struct xencons_interface *r, const char *s)
{
    for (; *s; s++)
        r->out[MASK_XENCONS_IDX(r->out_prod++, r->out)] = *s;
}

void test_console(void)
{
    static struct xencons_interface r;
    struct cons_lines lb = { .n = 0 };
    char buf[4096];
    int corrupt;
    r.out_cons = r.out_prod = 0xfffffff0u; /* indices about to wrap */
    put_out(&r, "hello\r\nwor");
    size_t n = cons_read_out(&r, buf, sizeof(buf), &corrupt);
    CHECK(n == 10 && !corrupt && r.out_cons == r.out_prod, "drained across the wrap");
    cons_feed(&lb, buf, n, "(d3) ", emit, NULL);
    put_out(&r, "ld\x07\xff\tx\n");
    n = cons_read_out(&r, buf, 3, &corrupt);
    CHECK(n == 3, "bounded read");
    cons_feed(&lb, buf, n, "(d3) ", emit, NULL);
    n = cons_read_out(&r, buf, sizeof(buf), &corrupt);
    cons_feed(&lb, buf, n, "(d3) ", emit, NULL);
    CHECK(nlines == 2, "two lines");
    CHECK_STR(lines[0], "(d3) hello", "line 1");
    CHECK_STR(lines[1], "(d3) world??\tx", "line 2 sanitised");
    r.out_prod = r.out_cons + 5000; /* hostile */
    n = cons_read_out(&r, buf, sizeof(buf), &corrupt);
    CHECK(n == 0 && corrupt && r.out_cons == r.out_prod, "corrupt ring reset");
    nlines = 0;
    for (int i = 0; i < 450; i++)
        buf[i] = 'a';
    cons_feed(&lb, buf, 450, "(d3) ", emit, NULL);
    CHECK(nlines == 2 && strlen(lines[0]) == 5 + CONS_LINE_MAX, "long lines split");
    cons_flush(&lb, "(d3) ", emit, NULL);
    CHECK(nlines == 3 && strlen(lines[2]) == 5 + 50, "flush of the rest");
    r.in_cons = r.in_prod = 10;
    CHECK(cons_write_in(&r, buf, 2000) == sizeof(r.in), "input limited to the ring");
    CHECK(cons_write_in(&r, buf, 1) == 0, "full ring takes nothing");
    r.in_cons = r.in_prod + 1; /* hostile */
    CHECK(cons_write_in(&r, buf, 1) == 0, "corrupt in ring: nothing written");
}

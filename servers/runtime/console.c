/* The domain's console: console_io when the domain holds the CONSOLE capability
 * (input: CONSOLEIO_read, woken by VIRQ_CONSOLE), otherwise the start_info console
 * ring and its event channel (output to out[], input from in[]). */
#include "rt.h"

static bool use_hypercall;
static char in_buf[256];
static unsigned in_len, in_off;

void console_init(void)
{
    use_hypercall = HYPERVISOR_console_io(CONSOLEIO_write, 0, "") == 0;
    uint64_t pfn;
    if (!use_hypercall && mfn_is_ours(start_info->console.domU.mfn, &pfn))
        xencons_init(pfn_va(pfn), start_info->console.domU.evtchn);
    if (use_hypercall) {
        struct evtchn_bind_virq bv = { .virq = VIRQ_CONSOLE, .vcpu = 0 };
        evtchn_op(EVTCHNOP_bind_virq, &bv); /* a wake-up when input arrives, if ever */
    }
}

void console_write(const char *s, size_t n)
{
    if (use_hypercall) {
        console_io_write(s, n);
        return;
    }
    xencons_write(s, n);
}

/* Refill the input buffer without blocking; true if bytes are buffered. */
static bool input_ready(void *arg)
{
    (void)arg;
    if (in_off < in_len) return true;
    in_off = in_len = 0;
    if (xencons_present()) {
        in_len = (unsigned)xencons_read(in_buf, sizeof(in_buf));
    } else if (use_hypercall) {
        long n = HYPERVISOR_console_io(CONSOLEIO_read, sizeof(in_buf), in_buf);
        in_len = n > 0 ? (unsigned)n : 0;
    }
    return in_len > 0;
}

bool console_readable(void) { return input_ready(NULL); }

/* Blocks until input arrives (a console without input blocks forever, as a
 * terminal would), or -EAGAIN when nonblock. */
long console_read(uint64_t buf, size_t n, bool nonblock)
{
    if (!n) return 0;
    if (!input_ready(NULL)) {
        if (nonblock) return -EAGAIN;
        wait_until(input_ready, NULL, 0);
    }
    size_t k = MIN(n, (size_t)(in_len - in_off));
    memcpy((void *)buf, in_buf + in_off, k);
    in_off += (unsigned)k;
    return (long)k;
}

/* The program's life: load it, enter user mode, and when it ends (exit or crash)
 * decide per policy whether to start it again.  A clean exit (status 0) ends the
 * domain; a crash or a non-zero status restarts the program while restart=always
 * and fewer than max_restarts restarts have happened, keeping its event channels
 * and grant mappings for the next instance (docs/service-runtime.md).  An
 * instance that ran for restart_window seconds or more was healthy: its death
 * starts the count again, so a crash loop gives up (and the builder's on_crash
 * takes over) while a driver that dies now and then is restarted every time. */
#include "rt.h"
#include "../lib/progelf.h"

unsigned instance;
static unsigned restarts;
static struct kjmp proc_jmp;
static const struct program *prog;
static enum { END_EXIT = 1, END_CRASH } end_kind;
static int end_code;
static uint64_t end_time, start_time;

static void __attribute__((noreturn)) start_instance(void)
{
    instance++;
    start_time = now_ns();
    uint64_t entry, phdr, brk;
    uint16_t phnum;
    if (elf_load(prog->image, prog->size, &entry, &phdr, &phnum, &brk)) {
        printf("runtime: program not started\n");
        pv_shutdown(SHUTDOWN_crash);
    }
    brk_init(brk);
    fd_init();
    uint64_t sp = stack_build(prog->cmdline, entry, phdr, phnum);
    HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
    uint32_t mxcsr = 0x1f80; /* a fresh FPU/SSE state for each instance */
    asm volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
    if (instance > 1)
        printf("runtime: instance %u started, %lu pages free, %lu us after instance %u ended\n", instance,
               pages_free(), (unsigned long)((now_ns() - end_time) / 1000), instance - 1);
    else
        printf("runtime: instance 1 started, %lu pages free\n", pages_free());
    struct progelf_info pi; /* which program, so that an upgrade can be seen to run (docs/restart.md) */
    if (instance == 1 && !progelf_check(prog->image, prog->size, &pi) && pi.name[0])
        printf("runtime: program %s version %s\n", pi.name, pi.version);
    uint64_t frame[9] = { 0, 0, 0, 0, entry, FLAT_USER_CS, 0x202, sp, FLAT_USER_SS };
    iret_to_fresh(frame);
}

static void finish(void)
{
    end_time = now_ns();
    bool failed = end_kind == END_CRASH || end_code != 0;
    uint64_t ran_ms = (end_time - start_time) / 1000000;
    if (failed && restarts && opts.restart_window && ran_ms >= opts.restart_window * 1000ull) {
        printf("runtime: instance %u ran for %lu ms (restart_window=%u s): the restart count starts again\n",
               instance, (unsigned long)ran_ms, opts.restart_window);
        restarts = 0;
    }
    bool again = failed && opts.restart && restarts < opts.max_restarts;
    fd_close_all(again);
    privcmd_drop();
    if (end_kind == END_EXIT) printf("runtime: program exited with status %d\n", end_code);
    if (!again) {
        if (failed && opts.restart)
            printf("runtime: not restarting: %u restarts already (max_restarts=%u)\n", restarts,
                   opts.max_restarts);
        printf("runtime: shutting down\n");
        pv_shutdown(failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
    }
    restarts++;
    printf("runtime: restarting the program (restart %u of %u)\n", restarts, opts.max_restarts);
    uvm_reset();
}

void proc_run(const struct program *p)
{
    prog = p;
    if (ksetjmp(&proc_jmp)) finish();
    start_instance();
    __builtin_unreachable();
}

void proc_exit(int status)
{
    end_kind = END_EXIT;
    end_code = status & 0xff;
    klongjmp(&proc_jmp, 1);
}

static const char *sig_name(int sig)
{
    switch (sig) {
    case 4:
        return "SIGILL";
    case 5:
        return "SIGTRAP";
    case 6:
        return "SIGABRT";
    case 7:
        return "SIGBUS";
    case 8:
        return "SIGFPE";
    case 9:
        return "SIGKILL";
    case 11:
        return "SIGSEGV";
    default:
        return "signal";
    }
}

static void dump_regs(struct pv_regs *r)
{
    printf("runtime:   rip %016lx rsp %016lx rflags %08lx error %lx\n", (unsigned long)*reg_rip(r),
           (unsigned long)reg_rsp(r), (unsigned long)reg_rflags(r), (unsigned long)reg_ec(r));
    printf("runtime:   rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", (unsigned long)r->rax,
           (unsigned long)r->rbx, (unsigned long)r->frame[0], (unsigned long)r->rdx);
    printf("runtime:   rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", (unsigned long)r->rsi,
           (unsigned long)r->rdi, (unsigned long)r->rbp, (unsigned long)r->r8);
    printf("runtime:   r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", (unsigned long)r->r9,
           (unsigned long)r->r10, (unsigned long)r->frame[1], (unsigned long)r->r12);
    printf("runtime:   r13 %016lx r14 %016lx r15 %016lx\n", (unsigned long)r->r13, (unsigned long)r->r14,
           (unsigned long)r->r15);
}

/* r: the trap frame (NULL for a signal the program sent itself). */
void proc_crash(struct pv_regs *r, int sig, const char *why)
{
    if (r && r->vector == 14)
        printf("runtime: program killed by %s (%s, vector %lu) at rip %lx, address %lx\n", sig_name(sig), why,
               (unsigned long)r->vector, (unsigned long)*reg_rip(r), (unsigned long)vcpu0->arch.cr2);
    else if (r)
        printf("runtime: program killed by %s (%s, vector %lu) at rip %lx\n", sig_name(sig), why,
               (unsigned long)r->vector, (unsigned long)*reg_rip(r));
    else
        printf("runtime: program killed by %s (%s)\n", sig_name(sig), why);
    if (r) dump_regs(r);
    end_kind = END_CRASH;
    end_code = sig;
    klongjmp(&proc_jmp, 1);
}

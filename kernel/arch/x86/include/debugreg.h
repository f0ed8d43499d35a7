/* Guest debug registers and #DB (debugreg.c). */
#ifndef TESSERA_DEBUGREG_H
#define TESSERA_DEBUGREG_H

#include "types.h"
#include "regs.h"

struct vcpu;

/* Xen's set_debugreg: 0, -ENODEV (#UD for mov), -EINVAL or -EPERM (#GP for mov). */
int set_debugreg(struct vcpu *v, unsigned reg, uint64_t value);
int get_debugreg(const struct vcpu *v, unsigned reg, uint64_t *value);
/* Context switch: breakpoints of the leaving vCPU off, the arriving one's on. */
void debugreg_switch_out(const struct vcpu *v);
void debugreg_switch_in(const struct vcpu *v);
/* Emulated I/O breakpoints hit by a port access (DR6 B0-B3 bits). */
unsigned io_breakpoint_match(const struct vcpu *v, unsigned port, unsigned len);
/* After an emulated instruction: single step (TF) and I/O breakpoint #DB. */
void emulated_insn_done(struct vcpu *v, struct cpu_regs *r, unsigned bpmatch);
/* #DB from guest mode. */
void do_debug(struct vcpu *v, struct cpu_regs *r);

#endif

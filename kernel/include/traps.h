/* Guest exception delivery (bounce frames), mode switching, and the dispatchers. */
#ifndef TESSERA_TRAPS_H
#define TESSERA_TRAPS_H

#include "types.h"
#include "regs.h"

struct vcpu;

/* Deliver vector `vec` to the guest through its trap table (error code if has_err). */
void bounce_exception(struct vcpu *v, struct cpu_regs *r, unsigned vec, bool has_err, uint64_t err);
/* Build a bounce frame and continue at `target` in guest kernel mode. */
void create_bounce_frame(struct vcpu *v, struct cpu_regs *r, uint64_t target, bool has_err, uint64_t err,
                         bool mask_events);
void toggle_guest_mode(struct vcpu *v);
/* Called on every return to the guest: deliver a pending event upcall. */
void exit_to_guest(struct vcpu *v, struct cpu_regs *r);
bool emulate_privileged_op(struct vcpu *v, struct cpu_regs *r);
/* RFLAGS.IOPL as bounce frames show it (the virtual IOPL under architectural_iopl). */
uint64_t arch_iopl_flags(const struct vcpu *v);
bool emulate_forced_cpuid(struct vcpu *v, struct cpu_regs *r);
/* QEMU (TCG) with SMAP faults a ring-3 iretq/lretq's stack reads as supervisor accesses. */
bool emulate_smap_iret_quirk(struct vcpu *v, struct cpu_regs *r, uint64_t addr, uint32_t pf_error);
void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* struct cpu_regs of the guest on this pCPU (top of the hypervisor stack). */
struct cpu_regs *guest_regs(void);
_Noreturn void enter_frame(struct cpu_regs *frame);
int ptwr_do_page_fault(struct cpu_regs *regs, uint64_t addr);

#endif

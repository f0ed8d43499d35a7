/* Host unit tests of domain control (kernel/common/domctl.c) together with the
 * real memory validation (pagetype.c, mm_hypercalls.c, frame.c), on the harness's
 * fake machine with a stand-in for domain.c's lifecycle. */
#ifndef DTEST_H
#define DTEST_H

#include <string.h>
#include "fake.h"
#include "pt.h"
#include "domain.h"
#include "hypercall.h"
#include "public/tessera.h"
#include <xen/domctl.h>
#include <xen/vcpu.h>
#include <xen/sched.h>

#define FAKE_FRAMES 1024
extern struct domain *builder; /* domain 0: CAP_ALL, running, current */
extern uint32_t sp_last_weight, sp_last_cap;
extern unsigned last_max_port, last_max_frames, last_max_maptrack;

void fake_reset(void);                   /* fresh memory; builder created and current */
void fake_set_current(struct domain *d); /* d's vCPU 0 becomes the caller */


/* One mmu_update / mmuext_op as the current domain (test_build.c; their
 * buffers are mapped by test_build(), which runs first). */
long mmu(uint64_t ptr, uint64_t val, domid_t dom);
long ext(unsigned cmd, mfn_t m, domid_t dom);
long frame_info(domid_t dom, uint64_t *arr, uint64_t num); /* getpageframeinfo3 */

void test_domctl(void);
void test_build(void);
void test_ioports(void);
void test_assign(void);
void test_vcpuinfo(void);
void test_conring(void);
void test_logdirty(void);

#endif

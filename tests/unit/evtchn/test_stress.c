/* Concurrency: one thread per domain binding, sending and closing across
 * domains at random.  It must finish (no lock-order deadlock), and afterwards
 * every interdomain port's peer must point back at it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "evtchn_unit.h"

#define NDOMS 4
#define ITERS 20000

static struct fake_dom *sd[NDOMS];

static void *worker(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    unsigned seed = 12345 + me;
    fake_as(sd[me], me % 2);
    for (unsigned i = 0; i < ITERS; i++) {
        unsigned peer = rand_r(&seed) % NDOMS + 1;
        unsigned port = rand_r(&seed) % 80;
        switch (rand_r(&seed) % 6) {
        case 0:
            ev_alloc(DOMID_SELF, peer);
            break;
        case 1:
            ev_bind(peer, port);
            break;
        case 2:
            ev_close(port);
            break;
        case 3:
            ev_send(port);
            break;
        case 4:
            ev_unmask(port);
            break;
        case 5:
            send_guest_vcpu_virq(&sd[me]->v[0], VIRQ_TIMER);
            ev_virq(VIRQ_TIMER, 0);
            break;
        }
    }
    return NULL;
}

static int stop;

static void *own_ports(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    unsigned seed = 777 + me;
    fake_as(sd[me], 0);
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        unsigned port = rand_r(&seed) % 80;
        switch (rand_r(&seed) % 4) {
        case 0:
            ev_send(port);
            break;
        case 1:
            if (rand_r(&seed) % 8 == 0) ev_close(port);
            break;
        case 2:
            ev_unmask(port);
            break;
        case 3: {
            struct evtchn_status st;
            ev_status(DOMID_SELF, port, &st);
            break;
        }
        }
    }
    return NULL;
}

static bool consistent(void)
{
    for (unsigned d = 0; d < NDOMS; d++) {
        fake_as(sd[d], 0);
        for (unsigned p = 1; evtchn_port_valid(&sd[d]->d, p); p++) {
            struct evtchn_status st, pst;
            if (ev_status(DOMID_SELF, p, &st) || st.status != EVTCHNSTAT_interdomain) continue;
            domid_t me = sd[d]->d.id;
            if (ev_status(st.u.interdomain.dom, st.u.interdomain.port, &pst) && st.u.interdomain.dom != me) {
                /* not allowed to look: check from the peer's side */
                fake_as(sd[st.u.interdomain.dom - 1], 0);
                ev_status(DOMID_SELF, st.u.interdomain.port, &pst);
                fake_as(sd[d], 0);
            }
            if (pst.status != EVTCHNSTAT_interdomain || pst.u.interdomain.dom != me ||
                pst.u.interdomain.port != p)
                return false;
        }
    }
    return true;
}

void test_stress(void)
{
    fake_reset();
    for (unsigned i = 0; i < NDOMS; i++)
        sd[i] = fake_domain(i + 1, 0, DOMID_INVALID, 2);
    pthread_t t[NDOMS];
    for (unsigned i = 0; i < NDOMS; i++)
        pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < NDOMS; i++)
        pthread_join(t[i], NULL);
    CHECK(true, "stress: 4 threads x 20000 random ops finished (no deadlock)");
    CHECK(consistent(), "stress: every interdomain port's peer points back");
    unsigned bound = 0;
    for (unsigned d = 0; d < NDOMS; d++) {
        fake_as(sd[d], 0);
        for (unsigned p = 1; evtchn_port_valid(&sd[d]->d, p); p++) {
            struct evtchn_status st;
            bound += !ev_status(DOMID_SELF, p, &st) && st.status == EVTCHNSTAT_interdomain;
        }
    }
    CHECK(bound > 0, "stress: some interdomain bindings exist at the end");
    /* destroy half while the others keep sending on and closing their ports
     * (only their own ports: looking a dying domain up is the core's business) */
    stop = 0;
    for (unsigned i = 2; i < NDOMS; i++)
        pthread_create(&t[i], NULL, own_ports, (void *)(uintptr_t)i);
    fake_destroy(sd[0]);
    fake_destroy(sd[1]);
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 2; i < NDOMS; i++)
        pthread_join(t[i], NULL);
    sd[0] = sd[1] = NULL;
    bool ok = true;
    for (unsigned d = 2; d < NDOMS; d++) {
        fake_as(sd[d], 0);
        for (unsigned p = 1; evtchn_port_valid(&sd[d]->d, p); p++) {
            struct evtchn_status st;
            if (!ev_status(DOMID_SELF, p, &st) && st.status == EVTCHNSTAT_interdomain &&
                st.u.interdomain.dom <= 2)
                ok = false;
        }
    }
    CHECK(ok, "stress: no port left bound to a destroyed domain");
    fake_reset();
}

/* The lwIP guest's host unit tests (guests/lwip/tests): the shared pieces it
 * stands on, driven by a hostile peer. */
#ifndef UNIT_LWIP_H
#define UNIT_LWIP_H
void test_netfront(void);
void test_xenbus_fe(void);
#endif

#include "unit.h"
void test_hypercalls(void) {}

#include "unit.h"
void test_ptwr(void) {}

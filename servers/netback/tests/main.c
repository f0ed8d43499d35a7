/* netback host unit tests: the VFR (parser, rules, bridge, anti-spoofing,
 * rate limits, commands, persistence). */
#include "t.h"

int t_pass, t_fail;

int main(void)
{
	test_vfr();
	test_vfr_store();
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail != 0;
}

/* <string.h> for the freestanding guests: servers/lib/xsring.c includes it. */
#include "freestanding.h"

# Servers: each server directory contributes servers/<name>/build.mk.
HOSTCC ?= gcc
HOST_CFLAGS ?= -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
# Headers for the freestanding runtime and every musl program: Xen's public and
# Linux's UAPI headers, in one directory (-isystem $(SRV_INC), after $(SRV_INC)/.stamp).
SRV_INC := $(O)/servers/inc
$(SRV_INC)/.stamp:
	@mkdir -p $(SRV_INC)
	@ln -sfn /usr/include/xen $(SRV_INC)/xen
	@ln -sfn /usr/include/linux $(SRV_INC)/linux
	@ln -sfn /usr/include/x86_64-linux-gnu/asm $(SRV_INC)/asm
	@ln -sfn /usr/include/asm-generic $(SRV_INC)/asm-generic
	@touch $@

# The version each service program carries in its note (servers/lib/progver.h):
# the commit it was built from, or PROG_VERSION=... on the command line.  An
# X-next target builds program X again as version PROG_VERSION-next (the
# upgrade in tests/suites/65-restart.sh).
ifeq ($(origin PROG_VERSION),undefined)
PROG_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
endif
PROG_VFLAGS = -DPROG_VERSION='"$(PROG_VERSION)"'

-include $(wildcard servers/*/build.mk)

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

-include $(wildcard servers/*/build.mk)

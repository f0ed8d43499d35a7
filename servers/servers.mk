# Servers: each server directory contributes servers/<name>/build.mk.
HOSTCC ?= gcc
HOST_CFLAGS ?= -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
-include $(wildcard servers/*/build.mk)

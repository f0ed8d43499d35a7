# Host unit tests of the event-channel state machine: kernel/common/event_channel.c
# compiled with the host gcc against the fakes in tests/unit/evtchn/.
# tests/suites/11-unit-evtchn.sh runs the binary.
HOSTCC ?= gcc
EVTCHN_UNIT_BIN := $(O)/host/unit/evtchn_tests
EVTCHN_UNIT_SRCS := $(wildcard tests/unit/evtchn/*.c) kernel/common/event_channel.c
EVTCHN_UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow -pthread \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -isystem $(XENINC) -Ikernel/include -Ilib/freestanding -Ikernel/arch/x86/include -Itests/unit/evtchn -D__XEN_TOOLS__
HOST_ALL += $(EVTCHN_UNIT_BIN)

$(EVTCHN_UNIT_BIN): $(EVTCHN_UNIT_SRCS) $(wildcard tests/unit/evtchn/*.h kernel/include/*.h kernel/arch/x86/include/*.h) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(EVTCHN_UNIT_CFLAGS) -o $@ $(EVTCHN_UNIT_SRCS)

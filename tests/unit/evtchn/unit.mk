# Host unit tests of the event-channel state machine: kernel/common/event_channel.c
# compiled with the host gcc on the harness, with the fakes in tests/unit/evtchn/.
# tests/suites/11-unit-evtchn.sh runs the binary.
EVTCHN_UNIT_BIN := $(O)/host/unit/evtchn_tests
EVTCHN_UNIT_SRCS := $(wildcard tests/unit/evtchn/*.c) $(UNIT_FAKE_SRCS) kernel/common/event_channel.c
HOST_ALL += $(EVTCHN_UNIT_BIN)

$(EVTCHN_UNIT_BIN): $(EVTCHN_UNIT_SRCS) $(wildcard tests/unit/evtchn/*.h) $(UNIT_KERNEL_HDRS) | $(XENINC)/xen
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_KERNEL_CFLAGS) -pthread -Itests/unit/evtchn -o $@ $(EVTCHN_UNIT_SRCS)

# servers/nettest: the netfront test domain of netback's QEMU suites
# (tests/suites/63-netback-*.sh), a service-runtime program.
NT_DIR := servers/nettest
NT_SRCS := $(wildcard $(NT_DIR)/*.c) servers/lib/xsclient.c servers/lib/xsclient_fd.c servers/lib/xsclient_ring.c \
	servers/lib/xsring.c
ALL += $(O)/servers/nettest
$(O)/servers/nettest: $(NT_SRCS) $(wildcard $(NT_DIR)/*.h) servers/lib/xenring.h $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static $(HOST_CFLAGS) -I$(NT_DIR) -Iservers/lib -isystem $(SRV_INC) -o $@ $(NT_SRCS)

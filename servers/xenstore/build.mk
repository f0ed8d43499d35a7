# servers/xenstore: the xenstored program, its host test tools, unit tests
# and libFuzzer target. Outputs go to $(O)/host/xenstore/.
XS_O := $(O)/host/xenstore
XS_DIR := servers/xenstore
XS_CORE := tree perms store watch conn domain proto proto_node proto_session journal replay server ring sched \
	state_dir
XS_CORE_SRC := $(XS_CORE:%=$(XS_DIR)/%.c) servers/lib/xsring.c
XS_HDRS := $(wildcard $(XS_DIR)/*.h) servers/lib/xsring.h servers/lib/xsstate.h
XS_CFLAGS := $(HOST_CFLAGS) -I$(XS_DIR) -Iservers/lib
XS_UNIT_SRC := $(wildcard $(XS_DIR)/test/unit*.c)
XS_HDRS += $(XS_DIR)/test/unit.h

XS_BINS := $(XS_O)/xenstored $(XS_O)/xs-unit $(XS_O)/xs-ringc $(XS_O)/xsmsg $(XS_O)/xs-fuzz
HOST_ALL += $(XS_BINS)

$(XS_O)/xenstored: $(XS_CORE_SRC) $(XS_DIR)/main.c $(XS_DIR)/ring_host.c $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -o $@ $(XS_CORE_SRC) $(XS_DIR)/main.c $(XS_DIR)/ring_host.c

XS_CLIENT_SRC := servers/lib/xsclient.c servers/lib/xsclient_fd.c servers/lib/xsclient_ring.c
XS_HDRS += servers/lib/xsclient.h servers/lib/xsclient_int.h

$(XS_O)/xs-unit: $(XS_CORE_SRC) $(XS_UNIT_SRC) $(XS_CLIENT_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -o $@ $(XS_CORE_SRC) $(XS_UNIT_SRC) $(XS_CLIENT_SRC)

$(XS_O)/xs-ringc: $(XS_DIR)/test/ringc.c $(XS_DIR)/test/wire.h $(XS_DIR)/ring_host.c servers/lib/xsring.c $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -o $@ $(XS_DIR)/test/ringc.c $(XS_DIR)/ring_host.c servers/lib/xsring.c

$(XS_O)/xsmsg: $(XS_DIR)/test/xsmsg.c $(XS_DIR)/test/wire.h
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -o $@ $(XS_DIR)/test/xsmsg.c

# libFuzzer target (clang): the message parser behind a connection.
$(XS_O)/xs-fuzz: $(XS_CORE_SRC) $(XS_DIR)/test/fuzz.c $(XS_HDRS)
	@mkdir -p $(@D)
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I$(XS_DIR) -Iservers/lib \
		-fsanitize=fuzzer,address,undefined -o $@ $(XS_CORE_SRC) $(XS_DIR)/test/fuzz.c

# Benchmark client and the shim that lets Xen's daemons run without Xen.
XS_BINS_BENCH := $(XS_O)/xs-bench $(XS_O)/xenshim.so
HOST_ALL += $(XS_BINS_BENCH)

$(XS_O)/xs-bench: $(XS_DIR)/test/bench.c
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -o $@ $<

$(XS_O)/xenshim.so: $(XS_DIR)/test/xenshim.c
	@mkdir -p $(@D)
	$(HOSTCC) $(XS_CFLAGS) -shared -fPIC -o $@ $< -ldl

# The same program statically linked with musl, as the service runtime loads it.
XS_MUSL := musl-gcc -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I$(XS_DIR) \
	-Iservers/lib -isystem $(SRV_INC)

$(XS_O)/xenstored-static: $(XS_CORE_SRC) $(XS_DIR)/main.c $(XS_DIR)/ring_host.c $(XS_HDRS) $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	$(XS_MUSL) -o $@ $(XS_CORE_SRC) $(XS_DIR)/main.c $(XS_DIR)/ring_host.c
HOST_ALL += $(XS_O)/xenstored-static

# The xenstore service domain's program (docs/xenstore.md, "The xenstore domain").
XS_DOM_SRC := $(XS_DIR)/main_dom.c $(XS_DIR)/dom_ring.c $(XS_DIR)/dom_death.c $(XS_DIR)/state_mem.c
ALL += $(O)/servers/xenstored
$(O)/servers/xenstored-next: PROG_VERSION := $(PROG_VERSION)-next
$(O)/servers/xenstored $(O)/servers/xenstored-next: $(XS_CORE_SRC) $(XS_DOM_SRC) $(XS_HDRS) $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@$(XS_MUSL) $(PROG_VFLAGS) -o $@ $(XS_CORE_SRC) $(XS_DOM_SRC)

# The client library (servers/lib/xsclient*) and the xenstore-domain test
# program of tests/suites/23-xenstore-domain.sh.
XSC_SRC := $(XS_CLIENT_SRC) servers/lib/xsring.c
XSC_HDRS := servers/lib/xsclient.h servers/lib/xsclient_int.h servers/lib/xsring.h
ALL += $(O)/servers/xs-tests/domtest
$(O)/servers/xs-tests/domtest: $(XS_DIR)/test/domtest.c $(XSC_SRC) $(XSC_HDRS) $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@$(XS_MUSL) -o $@ $(XS_DIR)/test/domtest.c $(XSC_SRC)

# Built on demand by the test suites (not part of all).
$(XS_O)/xs-unit-asan: $(XS_CORE_SRC) $(XS_UNIT_SRC) $(XS_CLIENT_SRC) $(XS_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -g -O1 -D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all \
		-I$(XS_DIR) -Iservers/lib -o $@ $(XS_CORE_SRC) $(XS_UNIT_SRC) $(XS_CLIENT_SRC)

$(XS_O)/xs-fuzz-canary: $(XS_CORE_SRC) $(XS_DIR)/test/fuzz.c $(XS_HDRS)
	@mkdir -p $(@D)
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -DXS_FUZZ_CANARY -I$(XS_DIR) -Iservers/lib \
		-fsanitize=fuzzer,address -o $@ $(XS_CORE_SRC) $(XS_DIR)/test/fuzz.c

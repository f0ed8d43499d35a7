# servers/domain-builder: the control plane.  Host unit tests go to
# $(O)/host/domain-builder/, the musl program the service runtime loads to
# $(O)/servers/domain-builder.
DB_DIR := servers/domain-builder
-include servers/lib/decompress/sources.mk
DB_O := $(O)/host/domain-builder
# the parts that run anywhere (no device files): tested on the host
# Grouped by concern: cfg/ (xl.cfg and boot list parsing), build/ (images,
# layout, page tables, the build itself), mgr/ (domain manager, death
# policy, xenstore setup, boot start), shell/ (xl command shell, consoles,
# COM2), backend/ (privcmd and the fake hypervisor).
DB_CORE := util cfg/cfg cfg/domcfg cfg/domcfg_lists cfg/domcfg_devices cfg/domcfg_compat cfg/bootcfg \
	build/xenelf build/image build/layout build/pgtable build/build build/build_mem build/modpkg \
	mgr/mgr mgr/imgcache mgr/mgr_events mgr/mgr_xs mgr/mgr_keep mgr/mgr_state mgr/mgr_vbd mgr/mgr_vif mgr/policy mgr/bootcfg_start \
	mgr/hostfiles mgr/mgr_dev shell/xlcmd shell/console shell/xl shell/xl_domain shell/xl_info shell/xl_block \
	shell/xl_vbd shell/xl_net shell/upload shell/xl_save save/stream save/canon save/cfgtext save/save save/restore save/migrate \
	save/migrate_net shell/xl_migrate shell/xl_migrate_remote
# the migration link (save/migrate_net.c): servers/lib's netfront and lwIP's
# TCP (Debian's source, fetched by guests/lwip/fetch.sh as the lwIP guest's)
DB_LWIP := $(O)/lwip/src/src
DB_LWIP_SRCS := $(addprefix $(DB_LWIP)/core/,init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c pbuf.c \
	stats.c tcp.c tcp_in.c tcp_out.c timeouts.c ipv4/etharp.c ipv4/icmp.c ipv4/ip4.c ipv4/ip4_addr.c) \
	$(DB_LWIP)/netif/ethernet.c
DB_LWIP_INC := -I$(DB_DIR)/save/lwip -I$(DB_LWIP)/include
$(DB_LWIP_SRCS): $(O)/lwip/version ;
DB_CORE_SRC := $(DB_CORE:%=$(DB_DIR)/%.c) lib/pvlayout/pv_layout.c servers/lib/progelf.c servers/lib/xsring.c servers/lib/xsclient.c \
	servers/lib/xsclient_ring.c servers/lib/xsclient_fd.c servers/lib/netfront.c servers/lib/xenbus_fe.c \
	$(DECOMPRESS_SRCS) $(DB_LWIP_SRCS)
DB_HDRS := $(wildcard $(DB_DIR)/*.h $(DB_DIR)/*/*.h $(DB_DIR)/tests/*.h $(DB_DIR)/save/lwip/*.h $(DB_DIR)/save/lwip/arch/*.h) \
	servers/lib/progelf.h servers/lib/elf64.h servers/lib/xsstate.h servers/lib/lwipopts_base.h $(UNIT_HARNESS)/check.h lib/pvlayout/pv_layout.h $(DECOMPRESS_HDRS) servers/lib/netfront.h servers/lib/xenbus_fe.h \
	$(O)/lwip/version
DB_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(DB_DIR) -I$(DB_DIR)/.. -Iservers/lib -Ilib/pvlayout -I$(DECOMPRESS_DIR) -I$(UNIT_HARNESS) $(DB_LWIP_INC) -idirafter include
DB_FAKE_SRC := $(DB_DIR)/backend/backend_fake.c $(DB_DIR)/backend/backend_fake_mem.c \
	$(DB_DIR)/backend/backend_fake_ev.c $(DB_DIR)/backend/backend_fake_info.c
DB_UNIT_SRC := $(wildcard $(DB_DIR)/tests/*.c) $(DB_FAKE_SRC) $(UNIT_CHECK_SRCS)

HOST_ALL += $(DB_O)/db-unit

$(DB_O)/db-unit: $(DB_CORE_SRC) $(DB_UNIT_SRC) $(DB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(DB_CFLAGS) -o $@ $(DB_CORE_SRC) $(DB_UNIT_SRC)

# Built on demand by tests/suites/45-builder-unit.sh.
$(DB_O)/db-unit-asan: $(DB_CORE_SRC) $(DB_UNIT_SRC) $(DB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(filter-out -O2,$(DB_CFLAGS)) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(DB_CORE_SRC) $(DB_UNIT_SRC)

# The program: host build (--fake back end, for tests and demos) and the musl
# build the service runtime runs.
DB_PROG_SRC := $(DB_CORE_SRC) $(DB_DIR)/main.c $(DB_DIR)/files.c $(DB_DIR)/shell/com2.c \
	$(DB_DIR)/backend/backend_privcmd.c $(DB_DIR)/backend/backend_privcmd_dev.c $(DB_FAKE_SRC)
HOST_ALL += $(DB_O)/domain-builder
ALL += $(O)/servers/domain-builder

$(DB_O)/domain-builder: $(DB_PROG_SRC) $(DB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(DB_CFLAGS) -o $@ $(DB_PROG_SRC)

$(O)/servers/domain-builder: $(DB_PROG_SRC) $(DB_HDRS) $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static $(DB_CFLAGS) -isystem $(SRV_INC) -o $@ $(DB_PROG_SRC)

# The service program of the integration tests (tests/suites/46-builder-*.sh).
ALL += $(O)/servers/builder-tests/svc
$(O)/servers/builder-tests/svc: $(DB_DIR)/tests/svc/svc.c $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
		-isystem $(SRV_INC) -o $@ $<

# The performance isolation guests (bench/isolation.sh, tests/suites/64-density.sh).
ALL += $(O)/servers/builder-tests/iso
$(O)/servers/builder-tests/iso: $(DB_DIR)/tests/iso/iso.c $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
		-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
		-isystem $(SRV_INC) -o $@ $<

# libFuzzer target over the parsers (built on demand by suite 45-builder-unit).
# (the xl parser looks its verbs up in the shell's groups: the whole core is linked)
DB_FUZZ_SRC := $(DB_CORE_SRC) $(DB_DIR)/fuzz/fuzz_cfg.c
$(DB_O)/db-fuzz: $(DB_FUZZ_SRC) $(DB_HDRS)
	@mkdir -p $(@D)
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I$(DB_DIR) -I$(DB_DIR)/.. -Iservers/lib -Ilib/pvlayout -I$(DECOMPRESS_DIR) \
		$(DB_LWIP_INC) -idirafter include \
		-fsanitize=fuzzer,address,undefined -o $@ $(DB_FUZZ_SRC)

# guests/lwip: the lwIP guest, a tiny PV kernel (lib/pv) with lwIP from Debian's
# source package (fetched by guests/lwip/fetch.sh into $(O)/lwip/src), netfront
# and the xenstore client from servers/lib; output $(O)/guests/lwip.elf
# (docs/lwip.md).
LWG_DIR := guests/lwip
LWIP_SRC := $(O)/lwip/src/src
LWIP_CORE := init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c pbuf.c stats.c tcp.c tcp_in.c tcp_out.c \
  timeouts.c udp.c ipv4/dhcp.c ipv4/etharp.c ipv4/icmp.c ipv4/ip4_frag.c ipv4/ip4.c ipv4/ip4_addr.c
LWIP_SRCS := $(LWIP_CORE:%=$(LWIP_SRC)/core/%) $(LWIP_SRC)/netif/ethernet.c
LWG_SHARED := servers/lib/netfront.c servers/lib/xenbus_fe.c servers/lib/xsclient.c \
  servers/lib/xsclient_ring.c servers/lib/xsring.c
LWG_SRCS := $(wildcard $(LWG_DIR)/*.c) $(LWG_SHARED) $(PV_SRCS)
LWG_HDRS := $(wildcard $(LWG_DIR)/*.h $(LWG_DIR)/arch/*.h lib/pv/libc/*.h lib/pv/libc/sys/*.h) \
  servers/lib/netfront.h servers/lib/xenbus_fe.h servers/lib/xsclient.h servers/lib/xsclient_int.h \
  servers/lib/xsring.h servers/lib/xenring.h servers/lib/lwipopts_base.h $(PV_HDRS)
LWG_CFLAGS := $(PV_CFLAGS) -isystem $(XENINC) -Ilib/pv/libc -I$(LWG_DIR) -Iservers/lib -I$(LWIP_SRC)/include \
  -DPV_GUEST_OS='"tessera-lwip"'
ALL += $(O)/guests/lwip.elf

# lwIP's source: Debian's package, fetched once (the script checks the version)
$(O)/lwip/version: $(LWG_DIR)/fetch.sh
	@bash $(LWG_DIR)/fetch.sh
	@touch $@

$(O)/guests/lwip.elf: $(LWG_SRCS) $(LWG_HDRS) $(LWG_DIR)/build.mk $(O)/lwip/version | $(XENINC)/xen
	@mkdir -p $(@D)
	@echo "  LWIP    $@"
	@$(PV_CC) $(LWG_CFLAGS) $(PV_LDFLAGS) -o $@ $(LWG_SRCS) $(LWIP_SRCS)

# Host unit tests (tests/suites/48-lwip-unit.sh): netfront and xenbus_fe with
# hostile peers, under ASan/UBSan; xenbus_fe's against our host xenstored.
LWG_UNIT := $(O)/host/lwip/lwip-unit
LWG_UNIT_SRCS := $(wildcard $(LWG_DIR)/tests/*.c) servers/lib/netfront.c servers/lib/xenbus_fe.c \
  servers/lib/xsclient.c servers/lib/xsclient_fd.c servers/lib/xsclient_ring.c servers/lib/xsring.c \
  servers/netback/tests/xsd.c tests/unit/harness/check.c
HOST_ALL += $(LWG_UNIT)
$(LWG_UNIT): $(LWG_UNIT_SRCS) $(wildcard $(LWG_DIR)/tests/*.h) servers/lib/netfront.h servers/lib/xenbus_fe.h \
  servers/netback/tests/xsd.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(UNIT_CFLAGS) -D_GNU_SOURCE -Iservers/lib -Iservers/netback/tests -I$(LWG_DIR)/tests -o $@ \
	  $(LWG_UNIT_SRCS)

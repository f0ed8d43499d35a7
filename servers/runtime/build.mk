# servers/runtime: the service runtime (a small PV kernel on lib/pv hosting one musl program)
# and the test programs it runs.  Outputs: $(O)/servers/runtime.elf and
# $(O)/servers/tests/<name> (servers/runtime/tests/<name>.c, musl-gcc -static).
RT_DIR := servers/runtime
RT_CFLAGS := $(PV_CFLAGS) -isystem $(SRV_INC) -I$(RT_DIR) -DPV_GUEST_OS='"tessera-runtime"'
RT_SRCS := $(wildcard $(RT_DIR)/*.c) servers/lib/progelf.c $(PV_SRCS)
RT_HDRS := $(wildcard $(RT_DIR)/*.h) servers/lib/progelf.h servers/lib/elf64.h $(PV_HDRS)
RT_TESTS := $(patsubst $(RT_DIR)/tests/%.c,$(O)/servers/tests/%,$(wildcard $(RT_DIR)/tests/*.c))
ALL += $(O)/servers/runtime.elf $(RT_TESTS)

$(O)/servers/runtime.elf: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/build.mk $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  RUNTIME $@"
	@$(PV_CC) $(RT_CFLAGS) $(PV_LDFLAGS) -o $@ $(RT_SRCS)

$(O)/servers/tests/%: $(RT_DIR)/tests/%.c $(wildcard $(RT_DIR)/tests/*.h) $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -isystem $(SRV_INC) -o $@ $<

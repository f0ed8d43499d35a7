# servers/runtime: the service runtime (a small PV kernel hosting one musl program)
# and the test programs it runs.  Outputs: $(O)/servers/runtime.elf and
# $(O)/servers/tests/<name> (servers/runtime/tests/<name>.c, musl-gcc -static).
RT_DIR := servers/runtime
RT_CC ?= gcc
SRV_INC := $(O)/servers/inc
RT_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -nostdinc -fno-pic -fno-pie \
  -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin \
  -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -static \
  -Wall -Wextra -Werror -Wshadow \
  -isystem $(shell $(RT_CC) -print-file-name=include) -isystem $(SRV_INC) \
  -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ -I$(RT_DIR)
RT_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
  -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T $(RT_DIR)/runtime.ld
RT_SRCS := $(wildcard $(RT_DIR)/*.c $(RT_DIR)/*.S lib/freestanding/*.c)
RT_HDRS := $(wildcard $(RT_DIR)/*.h lib/freestanding/*.h) $(RT_DIR)/runtime.ld
RT_TESTS := $(patsubst $(RT_DIR)/tests/%.c,$(O)/servers/tests/%,$(wildcard $(RT_DIR)/tests/*.c))
ALL += $(O)/servers/runtime.elf $(RT_TESTS)

# Headers for freestanding and musl builds: Xen's public and Linux's UAPI headers.
$(SRV_INC)/.stamp:
	@mkdir -p $(SRV_INC)
	@ln -sfn /usr/include/xen $(SRV_INC)/xen
	@ln -sfn /usr/include/linux $(SRV_INC)/linux
	@ln -sfn /usr/include/x86_64-linux-gnu/asm $(SRV_INC)/asm
	@ln -sfn /usr/include/asm-generic $(SRV_INC)/asm-generic
	@touch $@

$(O)/servers/runtime.elf: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/build.mk $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  RUNTIME $@"
	@$(RT_CC) $(RT_CFLAGS) $(RT_LDFLAGS) -o $@ $(RT_SRCS)

$(O)/servers/tests/%: $(RT_DIR)/tests/%.c $(wildcard $(RT_DIR)/tests/*.h) $(SRV_INC)/.stamp
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	@musl-gcc -static -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -isystem $(SRV_INC) -o $@ $<

# Host unit tests of the decompressors in servers/lib/decompress (hand-made
# streams for every refusal; fixtures from the real gzip/lz4 tools given by
# tests/suites/15-unit-decompress.sh).  Built with ASan/UBSan so an
# out-of-bounds access on hostile input fails the run.
include servers/lib/decompress/sources.mk
HOSTCC ?= gcc
DC_TEST_BIN := $(O)/host/unit/decompress_tests
DC_TEST_SRCS := $(wildcard tests/unit/decompress/*.c) $(UNIT_CHECK_SRCS) $(DECOMPRESS_SRCS)
DC_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow \
  -fsanitize=address,undefined -fno-sanitize-recover=all \
  -I$(DECOMPRESS_DIR) -Itests/unit/decompress -I$(UNIT_HARNESS)
HOST_ALL += $(DC_TEST_BIN)

$(DC_TEST_BIN): $(DC_TEST_SRCS) $(DECOMPRESS_HDRS) tests/unit/decompress/dtest.h $(UNIT_HARNESS)/check.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(DC_TEST_CFLAGS) -o $@ $(DC_TEST_SRCS)

# libFuzzer harness (clang); built and run for a few seconds by the suite.
DC_FUZZ_BIN := $(O)/host/unit/decompress_fuzz
$(DC_FUZZ_BIN): tests/unit/decompress/fuzz/fuzz_decompress.c $(DECOMPRESS_SRCS) $(DECOMPRESS_HDRS)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -I$(DECOMPRESS_DIR) -o $@ $< $(DECOMPRESS_SRCS)

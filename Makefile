# Tessera top-level build. Each component contributes a fragment (*.mk) that adds
# its outputs to ALL and its host tools to HOST_ALL; test suites are scripts in
# tests/suites/ run in name order by tests/run.sh.
.DEFAULT_GOAL := all
O ?= build
export O
ALL :=
HOST_ALL :=

include kernel/kernel.mk
include lib/pv/pv.mk
-include guests/guests.mk
-include $(wildcard guests/*/build.mk)
-include servers/servers.mk
-include tests/unit/harness/harness.mk
-include $(wildcard tests/unit/*/unit.mk)
-include boot/boot.mk

.PHONY: all deps test run bench clean iso
all: $(ALL) $(HOST_ALL)

deps:
	@bash scripts/deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@bash tests/run.sh

run: deps
	@bash scripts/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench.sh

clean:
	rm -rf $(O)

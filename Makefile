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
-include tests/unit/harness/harness.mk
-include servers/servers.mk
-include $(wildcard tests/unit/*/unit.mk)
-include boot/boot.mk

.PHONY: all deps test run bench bench-density bench-isolation clean iso soak-restart
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

# Not in make test: blkback and netback killed again and again at random
# moments under three Linux guests writing records and streaming TCP, for
# SOAK_MINUTES (default 30); counts, downtime percentiles, lost records and
# lines (tests/suites/65-restart.sh, docs/restart.md).
soak-restart: deps
	@$(MAKE) --no-print-directory all
	@SOAK_S=$$(( $${SOAK_MINUTES:-30} * 60 )) bash tests/suites/65-restart.sh

# issue 19: 1,000 tiny domains in one QEMU machine (bench/density.sh), alone
bench-density: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(O)/bench && bash bench/density.sh | tee $(O)/bench/density.md

# issue 19: the antisocial-domain experiment (bench/isolation.sh), alone
bench-isolation: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(O)/bench && bash bench/isolation.sh | tee $(O)/bench/isolation.md

clean:
	rm -rf $(O)

# Lint: every module that can be a top is linted alone with
# `verilator --lint-only -Wall` and elaborated by Icarus (-g2005), so the RTL
# stays readable by all three tools (Yosys reads it in the bitstream flow).

RTL_SRCS   := $(wildcard rtl/*.v)
BOARD_SRCS := $(wildcard rtl/boards/*.v)
# Modules linted as tops: every generic core and every board top.
LINT_TOPS  := $(basename $(notdir $(RTL_SRCS) $(BOARD_SRCS)))

lint: test-lint
TESTS += test-lint
test-lint:
	@scripts/runtest lint scripts/lint-rtl $(LINT_TOPS)

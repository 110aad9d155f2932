# The register table, regs/icebuf.tab, and what is generated from it
# (scripts/gen-regs): rtl/icebuf_regs.vh, host/include/icebuf_regs.h,
# host/cli/regnames.h and the tables in docs/protocol.md. They are
# committed, so every tool finds them; `make regs` writes them again after
# an edit of the table, and test-regs-generated fails when one is stale.
REGS_OUT := rtl/icebuf_regs.vh host/include/icebuf_regs.h host/cli/regnames.h docs/protocol.md

regs: regs/icebuf.tab scripts/gen-regs
	@scripts/gen-regs .
	@echo "regs: $(REGS_OUT) written from regs/icebuf.tab"

TESTS += test-regs-generated
test-regs-generated:
	@scripts/runtest regs-generated sh -c 'rm -rf $(BUILD)/regs && scripts/gen-regs $(BUILD)/regs && \
	    for f in $(REGS_OUT); do diff -u $$f $(BUILD)/regs/$$f || { echo "$$f is stale: make regs"; exit 1; }; done && \
	    echo "$(words $(REGS_OUT)) files match regs/icebuf.tab"'

.PHONY: regs test-regs-generated

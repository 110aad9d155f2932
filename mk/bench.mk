# make bench: benchmarks, separate from the tests. Each benchmark is a phony
# target added to BENCHES that writes "key value unit description" lines to
# $(BUILD)/bench/parts/<name>.txt; scripts/bench-report turns them into a
# table on stdout and $(BUILD)/bench/results.json.

bench: deps
	@rm -rf $(BUILD)/bench/parts; mkdir -p $(BUILD)/bench/parts
	@$(MAKE) --no-print-directory -k $(BENCHES) || true
	@scripts/bench-report $(BUILD)/bench/parts $(BUILD)/bench/results.json

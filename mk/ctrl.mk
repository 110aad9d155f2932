# The register engine against a model of the register map, with and without
# the test modes' registers.
CTRL_REGS_MODES := 0 1
$(foreach m,$(CTRL_REGS_MODES),$(eval $(call VTB,ctrl_regs_tm$(m),ctrl_regs,rtl/ctrl_regs.v,tests/rtl/ctrl_regs_tb.cpp,-GTEST_MODES=$(m) -GLINK=32\'h02040400 -GFEATURES=32\'h0001A5C3 -CFLAGS -DTB_TEST_MODES=$(m))))
# With the register windows, against a model peripheral behind x_*.
$(eval $(call VTB,ctrl_regs_win,ctrl_regs,rtl/ctrl_regs.v,tests/rtl/ctrl_regs_tb.cpp,-GTEST_MODES=0 -GWINDOWS=1 -GLINK=32\'h02040400 -GFEATURES=32\'h0001A5C3 -CFLAGS -DTB_TEST_MODES=0 -CFLAGS -DTB_WINDOWS=1))
TESTS += test-ctrl-regs
test-ctrl-regs: $(foreach m,$(CTRL_REGS_MODES),$(BUILD)/tb/ctrl_regs_tm$(m)/Vctrl_regs) $(BUILD)/tb/ctrl_regs_win/Vctrl_regs
	@scripts/runtest ctrl-regs sh -c '$(foreach m,$(CTRL_REGS_MODES),$(BUILD)/tb/ctrl_regs_tm$(m)/Vctrl_regs 20000 &&) \
	    $(BUILD)/tb/ctrl_regs_win/Vctrl_regs 20000'

# guests/save: the tiny PV guest of the save/restore suite (66-save-restore), built
# on the conformance guests' runtime (guests/lib) as $(O)/guests/save-guest.elf.
SAVE_GUEST := $(O)/guests/save-guest.elf
ALL += $(SAVE_GUEST)

$(SAVE_GUEST): guests/save/save-guest.c $(G_LIB_SRCS) $(G_LIB_HDRS) guests/save/build.mk | $(XENINC)/xen
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(PV_CC) $(G_CFLAGS) -DGUEST_NAME='"save-guest"' $(G_LDFLAGS) -o $@ guests/save/save-guest.c $(G_LIB_SRCS)

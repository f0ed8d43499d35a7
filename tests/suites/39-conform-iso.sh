#!/usr/bin/env bash
# The ISO path: GRUB2 + multiboot2 boots the hypervisor with a conformance guest module.
exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-version --iso

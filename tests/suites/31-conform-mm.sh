#!/usr/bin/env bash
# Conformance guest conform-mm (guests/conform/) booted with qemu -kernel; see docs/testing.md.
exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-mm

#!/usr/bin/env bash
# Conformance guest conform-ldt (guests/conform/) booted with qemu -kernel; see docs/testing.md.
exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-ldt

#!/usr/bin/env bash
# Conformance guest conform-cpu-hcp (guests/conform/) booted with qemu -kernel; see docs/testing.md.
exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-cpu-hcp

#!/usr/bin/env bash
# Conformance guest conform-cont (guests/conform/): hypercall continuations; see docs/testing.md.
exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-cont

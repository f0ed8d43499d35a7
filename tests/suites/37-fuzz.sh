#!/usr/bin/env bash
# The fuzzing guests (guests/fuzz/): 6 seeds of fuzz-child, two at a time on 2 pCPUs,
# 10 s each, with the frame-table audit and the free-page count checked after every
# round; see docs/testing.md. `make fuzz-long` runs the same for over an hour.
exec bash "$(dirname "$0")/../../guests/fuzz/run-fuzz.sh"

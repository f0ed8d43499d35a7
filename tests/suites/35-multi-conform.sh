#!/usr/bin/env bash
# Two domains (guests/multi): the first builds children from a boot module and checks
# domain control, event channels, grant tables, their misuse and teardown; one pCPU.
exec bash "$(dirname "$0")/../../guests/multi/run-multi.sh" multi-conform --smp 1 --tag multi-conform

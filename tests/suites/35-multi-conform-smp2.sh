#!/usr/bin/env bash
# The same as 35-multi-conform with two pCPUs (parent and child run in parallel).
exec bash "$(dirname "$0")/../../guests/multi/run-multi.sh" multi-conform --smp 2 --tag multi-conform-smp2

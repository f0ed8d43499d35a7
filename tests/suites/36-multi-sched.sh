#!/usr/bin/env bash
# Scheduler acceptance on one pCPU (guests/multi/multi-sched.c): weights 1:2 give
# 1/3 and 2/3 (within 5%) over 10 s; timer wake-ups beside a spinning domain are
# late by at most one quantum.
exec bash "$(dirname "$0")/../../guests/multi/run-multi.sh" multi-sched --smp 1 --timeout 180 --tag multi-sched

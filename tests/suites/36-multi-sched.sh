#!/usr/bin/env bash
# Scheduler acceptance on one pCPU (guests/multi/multi-sched.c): weights 1:2 give
# 1/3 and 2/3 (within 5%) over 10 s of guest time; timer wake-ups beside a spinning
# domain are late by at most one quantum (10 ms). Under QEMU -icount shift=0,sleep=off
# guest time counts executed instructions, so the host's load cannot move the result.
exec bash "$(dirname "$0")/../../guests/multi/run-multi.sh" multi-sched --smp 1 --icount --timeout 240 --tag multi-sched

#!/usr/bin/env bash
# The weights-1:2 fairness check of 36-multi-sched on wall-clock time (no -icount).
exec bash "$(dirname "$0")/../../guests/multi/run-multi.sh" multi-sched --smp 1 --args fair --timeout 180 --tag multi-sched-wall

#!/usr/bin/env bash
# Conformance guest conform-debug (guests/conform/): debug registers and #DB (breakpoints,
# watchpoints, single step, MOV SS/POP SS + syscall/int), vm_assist and the virtual IOPL.
exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-debug

#!/usr/bin/env bash
# Conformance guest conform-vcpu (guests/conform/) as a 2-vCPU domain 0 on 2 pCPUs:
# VCPUOP_initialise with an unpinned L4 and its refusals, VCPUOP_up/down.
CONFORM_APPEND="dom0_max_vcpus=2" CONFORM_SMP=2 \
  exec bash "$(dirname "$0")/../../guests/run-conform.sh" conform-vcpu

#!/usr/bin/env bash
# Service runtime: a program that crashes is logged (signal, address, registers)
# and restarted with its event channels and grants kept; with restart=never it is not
# (servers/runtime/tests/crash.c; docs/service-runtime.md).
cd "$(dirname "$0")/../.." || exit 1
. servers/runtime/tests/lib.sh

boot_runtime crash 'restart=always max_restarts=3' ''
expect "crash: instance 1"
ports=$(grep -oE 'crash: ports [0-9]+ and [0-9]+$' "$log" | head -n 1)
a=$(echo "$ports" | awk '{print $3}')
expect_count 2 "${ports:-crash: ports ? and ?}"
expect_count 2 "crash: grant 8: page at 0x1000000000, mapped at 0x1000002000"
expect "crash: raised port $a, crashing now"
expect "runtime: program killed by SIGSEGV (page fault, vector 14) at rip $(grep -oE 'at rip [0-9a-f]+, address 0$' "$log" | head -n 1 | cut -d' ' -f3 | tr -d ,), address 0"
expect_re '^\(d0\) runtime:   rip [0-9a-f]{16} rsp [0-9a-f]{16} rflags [0-9a-f]{8} error 6$'
expect_re '^\(d0\) runtime:   rax [0-9a-f]{16} rbx [0-9a-f]{16} rcx [0-9a-f]{16} rdx [0-9a-f]{16}$'
expect "runtime: restarting the program (restart 1 of 3)"
expect_re '^\(d0\) runtime: instance 2 started, [0-9]+ pages free, [0-9]+ us after instance 1 ended$'
expect "crash: instance 2"
expect "crash: instance 2 read 4 bytes: port $a"
expect 'crash: instance 2 sees "written by instance 1" through the kept grant mapping'
expect "runtime: program exited with status 0"
expect_count 1 "runtime: program exited with status 0"
expect_none "still in use|runtime: PANIC"

boot_runtime crash 'restart=never' 'abort'
expect "crash: raised port $a, crashing now"
expect "runtime: program killed by SIGABRT (sent by the program)"
expect "runtime: shutting down"
expect_none "crash: instance 2|restarting"
# Every instance dies at once: three restarts, then the limit; no frames leak.
boot_runtime crash 'restart=always max_restarts=3' 'always'
expect_count 4 "runtime: program killed by SIGSEGV (page fault, vector 14) at rip $(grep -oE 'at rip [0-9a-f]+, address 8$' "$log" | head -n 1 | cut -d' ' -f3 | tr -d ,), address 8"
expect "runtime: restarting the program (restart 3 of 3)"
expect "runtime: not restarting: 3 restarts already (max_restarts=3)"
expect "runtime: shutting down"
expect_none "crash: instance 5"
free=$(grep -oE 'instance [234] started, [0-9]+ pages free' "$log" | awk '{print $4}' | sort -u)
if [ "$(echo "$free" | wc -l)" -eq 1 ] && [ -n "$free" ]; then ok "instances 2-4 start with the same free pages ($free): nothing leaks"
else fail "free pages differ between restarts: $(echo $free)"; fi
# Instances that each lived past restart_window: every death starts the count
# again, so max_restarts=2 allows four restarts in all; a crash loop still
# stops at the limit (above, with the default window of 60 s).
boot_runtime crash 'restart=always max_restarts=2 restart_window=1' 'late'
expect_re '^\(d0\) runtime: domain [0-9]+, [0-9]+ pages \([0-9]+ free\), program [0-9]+ bytes, restart=always max_restarts=2 restart_window=1$'
expect_count 4 "runtime: restarting the program (restart 1 of 2)"
n=$(grep -cE '^\(d0\) runtime: instance [234] ran for [0-9]{4,} ms \(restart_window=1 s\): the restart count starts again$' "$log")
check_eq() { if [ "$1" = "$2" ]; then ok "$3"; else fail "$3: got $1, want $2"; fi; }
check_eq "$n" 3 "instances 2-4 each ran 1.5 s: the count started again 3 times"
expect "crash: instance 4 dies after 1.5 s"
expect "runtime: program exited with status 0"
expect_none "not restarting|restart 2 of 2|crash: instance 6"
summary

#!/usr/bin/env bash
# Service runtime: a musl program prints its arguments, uses malloc/brk/mmap,
# clocks and nanosleep, reads boot modules as /boot files, gets -ENOSYS for an unknown system call and exits 0
# (servers/runtime/tests/hello.c; see docs/service-runtime.md).
cd "$(dirname "$0")/../.." || exit 1
. servers/runtime/tests/lib.sh
boot_runtime hello 'restart=always name=hello' 'arg1 arg2' servers/runtime/tests/bootfile.txt:'bootfile.txt x=1'
# Older scripts/qemu.sh put the file's base name before a module's arguments.
if grep -q 'basename "$f")$a' scripts/qemu.sh; then
  expect "hello: argc=4 argv[0]=hello argv[1]=hello argv[2]=arg1 argv[3]=arg2"
  n0="hello " n1="bootfile.txt "
else
  expect "hello: argc=3 argv[0]=hello argv[1]=arg1 argv[2]=arg2"
  n0= n1=
fi
expect "hello: instance 1"
expect "hello: domain 0"
expect "hello: module 0 $(stat -c %s "$O/servers/tests/hello") ${n0}arg1 arg2"
expect "hello: module 1 34 ${n1}bootfile.txt x=1"
for c in "malloc small and big" "heap memory is usable" "brk grows by 64 KiB" "brk shrinks back" \
         "mmap anonymous memory" "mmap memory is zeroed" "mprotect read-only" "mremap grows and keeps the data" "mremap shrinks in place" "munmap" \
         "clock_gettime(CLOCK_MONOTONIC)" "CLOCK_REALTIME is after 2020" "nanosleep 50 ms" \
         "monotonic time advanced by at least 50 ms" "unknown system call 999 fails with ENOSYS" "getpid" \
         "read /boot/modules" "open /boot/bootfile.txt (by name)" "fstat gives its size" "lseek to line 2" \
         "read line 2 to the end" "pread line 1" "mmap of a boot file" \
         "a read-only boot file mapping cannot become writable (EACCES)" "munmap of the boot file mapping" \
         "4 MiB malloc after it (boot frames are not reused)" "/boot/1 is the same file" \
         "a missing boot file: ENOENT"; do
  expect "hello: ok - $c"
done
expect "runtime: system call 999 not implemented (-ENOSYS)"
expect "hello: done, 0 failed"
expect "runtime: program exited with status 0"
expect "runtime: shutting down"
expect_none "hello: FAIL|runtime: program killed|runtime: PANIC|restarting"
summary

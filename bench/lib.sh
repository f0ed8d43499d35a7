# Shared by the bench scripts that run a test suite and print its result as
# Markdown (bench/density.sh, bench/tinyx.sh).
#   bench_machine MiB            the line describing the emulated machine and the host
#   bench_footer OUT RC START    the suite's checks (its last line, the first FAIL if
#                                RC is not 0) and the wall time since START (date +%s)
bench_machine() {
  echo "QEMU TCG, one vCPU, $1 MiB; $(nproc) host cores shared with other work (load average $(cut -d' ' -f1 /proc/loadavg))."
}
bench_footer() {
  echo "- checks: $(tail -n 1 <<<"$1")$([ "$2" -eq 0 ] || echo " (FAILED: $(grep -m1 '^FAIL' <<<"$1"))")"
  echo "- wall time of the whole run: $(($(date +%s) - $3)) s"
  echo
}

# Shared by tests/suites/63-netback-*.sh and 64-netback-dma.sh (sourced after
# suite_init): the configs here, the stack booted with the domain builder and
# the xenstore domain, and helpers:
#   nb_boot PROGS CFG...   boot_builder with boot.list, xs.cfg, the configs,
#                          the runtime, xenstored and build/servers/PROG for
#                          each word of PROGS; waits for the xenstore domain
#                          (QEMU_ARGS, QEMU_TIMEOUT and T (seconds per wait,
#                          default 150) apply)
#   nb_create CFG NAME     xl create CFG, checked; ID = the new domain's id
#   nb_netback CFG         nb_create CFG netback, then its "serving" line; NB = its id
#   con ARGS...            tests/linux-domu/console.py over COM2 (one "!CMD"
#                          per call: the session detaches after it)
#   nb_checks FILE         one ok/fail per "ok - "/"FAIL - " line of FILE
#   nb_guest_checks ID WHAT  one ok/fail per "nettest: PASS"/"nettest: FAIL" line
#                          of domain ID
D=tests/netback
XL_T=${XL_T:-100}
con() { timeout 300 python3 tests/linux-domu/console.py -s "$sock" -t 120 "$@"; }
nb_boot() {
  local progs=$1 f p mods=()
  shift
  need "$O/tessera.elf" "$O/servers/runtime.elf" "$O/servers/domain-builder" "$O/servers/xenstored"
  for p in $progs; do need "$O/servers/$p"; done
  for f in boot.list xs.cfg "$@"; do mods+=("$D/$f:$f"); done
  mods+=("$O/servers/runtime.elf:runtime.elf" "$O/servers/xenstored:xenstored")
  for p in $progs; do mods+=("$O/servers/$p:$p"); done
  boot_builder 512 "dom0_mem=64" boot.list "${mods[@]}"
  wait_line "(d0) domain-builder: created domain 1 (xenstore)" "${T:-150}" || finish
  wait_line "(d0) (d1) xenstored: control domain 0 connected" "${T:-150}" || finish
}
nb_create() {
  local out
  out=$(xl create "$1")
  ID=$(sed -n 's/^created domain \([0-9]*\) .*/\1/p' <<<"$out")
  check "xl create $1" "$out" "created domain $ID ($2)"
}
nb_netback() {
  nb_create "$1" netback
  NB=$ID
  wait_line "(d0) (d$NB) netback: serving /local/domain/$NB/backend/vif" "${T:-150}" || finish
}
nb_checks() {
  local l
  while IFS= read -r l; do
    case $l in "ok - "*) ok "${l#ok - }" ;; "FAIL - "*) fail "${l#FAIL - }" ;; esac
  done <"$1"
  [ -s "$1" ] || fail "$1: nothing to check"
}
nb_guest_checks() {
  local l
  while IFS= read -r l; do
    case $l in
      *"nettest: PASS "*) ok "$2: ${l#*nettest: PASS }" ;;
      *"nettest: FAIL"*) fail "$2: ${l#*nettest: }" ;;
    esac
  done < <(slog | grep -F "(d$1) nettest: ")
}

#!/usr/bin/env bash
# Dependencies (issue 11): every program or system file that a script or Makefile of
# the repository uses comes from a Debian package that scripts/deps.sh installs
# (scripts/depcheck.py maps each to its package). Then the check itself is tried: a
# copy of deps.sh missing a package that a script needs must fail naming it.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

out=$(python3 scripts/depcheck.py 2>&1); rc=$?
echo "$out" | grep -E '^(ok|FAIL) - '
p=$(echo "$out" | grep -c '^ok - '); f=$(echo "$out" | grep -c '^FAIL - ')
pass=$((pass + p)); fail=$((fail + f))
[ "$rc" -eq $((f > 0)) ] && ok "depcheck exit status $rc matches its $f failures" ||
  bad "depcheck exit status $rc with $f failures"
[ "$p" -ge 20 ] && ok "depcheck found the repository's tools ($p packages)" ||
  bad "depcheck found only $p packages (expected >= 20): the scan is broken"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for pkg in busybox-static qemu-system-x86 musl-tools lz4 bc; do
  grep -qw -- "$pkg" scripts/deps.sh || { bad "$pkg is in scripts/deps.sh"; continue; }
  sed -E "s/(^|[[:space:]])$pkg([[:space:]]|$)/\\1\\2/" scripts/deps.sh >"$tmp/deps.sh"
  out=$(python3 scripts/depcheck.py --deps "$tmp/deps.sh" 2>&1); rc=$?
  if [ "$rc" -eq 1 ] && echo "$out" | grep -q "^FAIL - $pkg: .* from Debian package $pkg, which scripts/deps.sh does not install$"; then
    ok "without $pkg in deps.sh the check fails naming it"
  else
    bad "without $pkg in deps.sh: exit $rc, output: $(echo "$out" | grep -v '^ok' | tr '\n' '|')"
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Fetches Debian's lwIP source package (`apt-get source lwip`: the upstream
# tarball with Debian's patches applied by dpkg-source) into $O/lwip/ (default
# build/lwip/):
#   src/       the unpacked, patched source tree (src/core, src/include, ...)
#   version    the Debian package version, e.g. 2.1.3+dfsg1-2
# The machine's apt sources need not list deb-src entries: apt-get runs on a
# private copy of them with "deb" turned into "deb-src" and private index and
# cache directories under $O/lwip/apt, so the system's apt state is untouched.
# Idempotent: when the cache holds the version apt offers, it only says so.
# Exits non-zero (with a message) when anything cannot be had.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
dst=$O/lwip
die() { echo "lwip/fetch.sh: $*" >&2; exit 1; }
mkdir -p "$dst"
apt=$(cd "$dst" && pwd)/apt
mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial"
chmod -R a+rX "$apt"
# the system's Debian sources, as deb-src (deb822 .sources and one-line .list files)
rm -f "$apt/parts/"*
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  case "$f" in
    *.sources) sed -E 's/^Types:.*$/Types: deb-src/' "$f" >"$apt/parts/$(basename "$f")" ;;
    *) sed -nE 's/^deb[[:space:]]/deb-src /p' "$f" >"$apt/parts/$(basename "$f")" ;;
  esac
done
A=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/parts"
   -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -q)
ver() { { apt-cache "${A[@]}" showsrc lwip 2>/dev/null || true; } | sed -n 's/^Version: //p' | sort -V | tail -n 1 || true; }
v=$(ver)
if [ -z "$v" ]; then
  apt-get "${A[@]}" update >"$apt/update.log" 2>&1 || { tail -n 5 "$apt/update.log" >&2; die "apt-get update (deb-src) failed"; }
  v=$(ver)
fi
[ -n "$v" ] || die "apt knows no source package lwip (is Debian's archive in the apt sources?)"
if [ -f "$dst/src/src/core/tcp.c" ] && [ "$(cat "$dst/version" 2>/dev/null)" = "$v" ]; then
  echo "lwip/fetch.sh: lwip $v cached in $dst/src"
  exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tessera-lwip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
echo "lwip/fetch.sh: downloading the source package lwip $v" >&2
(cd "$tmp" && apt-get "${A[@]}" source --download-only "lwip=$v" >"$tmp/apt.log" 2>&1) ||
  { tail -n 5 "$tmp/apt.log" >&2; die "apt-get source lwip=$v failed"; }
dsc=$(ls "$tmp"/lwip_*.dsc 2>/dev/null | head -n 1)
[ -n "$dsc" ] || die "no .dsc after apt-get source"
dpkg-source --no-check -x "$dsc" "$tmp/src" >"$tmp/dpkg-source.log" 2>&1 ||
  { tail -n 5 "$tmp/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
[ -f "$tmp/src/src/core/tcp.c" ] || die "no src/core/tcp.c in the source package"
rm -rf "$dst/src"
mv "$tmp/src" "$dst/src"
echo "$v" >"$dst/version"
echo "lwip/fetch.sh: lwip $v -> $dst/src"

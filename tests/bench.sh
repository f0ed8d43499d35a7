#!/usr/bin/env bash
# make bench: runs every bench/*.sh and collects their Markdown into build/bench/report.md.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
mkdir -p "$O/bench"
report="$O/bench/report.md"
echo "# Tessera benchmark report ($(date -u +%F))" >"$report"
for b in bench/*.sh; do
  [ -e "$b" ] || continue
  echo "== $b"
  bash "$b" >>"$report" 2>"$O/bench/$(basename "$b" .sh).err" || echo "   $b failed (see $O/bench/)"
done
echo "report: $report"

#!/usr/bin/env bash
# Measures the client against its floor (a minimal hand-written net/http
# SendMessage) in time, memory and binary size:
#   1. runs the benchmarks of ./participant/ COUNT times (default 5) and prints
#      medians, ratios client/floor and the targets (go run ./internal/benchratio);
#   2. builds internal/sizecheck/floor and internal/sizecheck/client stripped,
#      and prints their sizes, the difference (target: client ≤ floor + 1.5 MB,
#      MB = 1,000,000 bytes) and how many modules each compiles in.
# A report, not a gate: it exits 0 when the targets are missed; it fails only
# when a benchmark or a build fails.
#
#   scripts/bench.sh              # COUNT=5
#   COUNT=10 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-5}
max_extra_bytes=1500000 # 1.5 MB

echo "== go test -run '^\$' -bench . -benchmem -count=$count ./participant/"
go test -run '^$' -bench . -benchmem -count="$count" ./participant/ | go run ./internal/benchratio

echo
echo "== binary size: go build -trimpath -ldflags='-s -w'"
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
for prog in floor client; do
	go build -trimpath -ldflags='-s -w' -o "$bindir/$prog" "./internal/sizecheck/$prog"
done

size() { wc -c <"$1" | tr -d ' '; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1000000 }'; }
modules() { go version -m "$1" | awk '$1 == "dep" { n++ } END { print n + 0 }'; }
module_list() { go version -m "$1" | awk '$1 == "dep" { printf "%s%s@%s", sep, $2, $3; sep = " " }'; }

floor_bytes=$(size "$bindir/floor")
client_bytes=$(size "$bindir/client")
extra=$((client_bytes - floor_bytes))
printf '%-12s %10s bytes  %6s MB  %2s modules\n' \
	floor "$floor_bytes" "$(mb "$floor_bytes")" "$(modules "$bindir/floor")" \
	client "$client_bytes" "$(mb "$client_bytes")" "$(modules "$bindir/client")"
printf '%-12s %10s bytes  %6s MB\n' "client-floor" "$extra" "$(mb "$extra")"
for prog in floor client; do
	echo "$prog modules: $(module_list "$bindir/$prog")"
done
if ((extra <= max_extra_bytes)); then verdict=PASS; else verdict=MISS; fi
echo "$verdict  client binary $(mb "$extra") MB over the floor (target ≤ 1.5 MB)"

#!/usr/bin/env bash
# Measures the peak RSS and time of a full sync of a 1,000,000-track library.
# The fake Plex runs in its own process (plexm8-sync demo --serve), so only
# the sync's memory is measured. Everything stays on 127.0.0.1.
# Usage: scripts/rss-1m.sh [TRACKS]   (needs GNU time at /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
tracks=${1:-1000000}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/plexm8-sync" ./cmd/plexm8-sync
"$work/plexm8-sync" demo --serve --tracks "$tracks" --dir "$work/demo" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do [ -f "$work/demo/config.yaml" ] && break; sleep 0.1; done
export PLEXM8_CONFIG="$work/demo/config.yaml"
"$work/plexm8-sync" login > /dev/null

for pass in first second; do
  /usr/bin/time -v "$work/plexm8-sync" sync --full --server "Home Server" > "$work/sync.out" 2> "$work/time.err"
  echo "$pass full sync: $(head -1 "$work/sync.out")"
  grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$work/time.err" | sed 's/^[[:space:]]*/  /'
done
echo "database: $(du -h "$work/demo/plexm8.db" | cut -f1)"

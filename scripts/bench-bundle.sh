#!/usr/bin/env bash
# Prints the size of the release bundle in dist/ (wasm and JS, raw and gzipped -9).
# Run after `trunk build --release --offline` (scripts/serve.sh or scripts/test.sh do that).
source "$(dirname "$0")/lib.sh"
[ -d dist ] || { echo "no dist/: build the app first (trunk build --release --offline)" >&2; exit 1; }
printf '%-8s %12s %12s  %s\n' kind raw gzip file
total_raw=0; total_gz=0
for f in dist/*.wasm dist/*.js; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-8s %12d %12d  %s\n' "${f##*.}" "$raw" "$gz" "$(basename "$f")"
done
printf '%-8s %12d %12d\n' total "$total_raw" "$total_gz"

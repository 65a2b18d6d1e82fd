#!/usr/bin/env bash
# The receiver's work per webhook in instructions (see BENCHMARKS.md): the receiver bench on
# SQLite with the release server under callgrind, counted over the hooks run only and split by
# thread. Instructions do not depend on what else the machine runs, so two builds compare in
# one run each. Usage: scripts/bench-receiver-instructions.sh [server binary] (default: the
# release build, built first). Under valgrind the server is ~50 times slower and its batches
# are bigger, so the commit's share is smaller than in a real run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || ensure_apt wrk
command -v valgrind >/dev/null || ensure_apt valgrind
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build -q --release -p botwire-server --benches
  bin=$PWD/target/release/botwire
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/server" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=$work/callgrind.%p "$bin" "\$@"
WRAP
chmod +x "$work/server"

BOTWIRE_BENCH_DBS=sqlite BOTWIRE_BENCH_SECS=${BOTWIRE_BENCH_SECS:-8} BOTWIRE_BENCH_WARMUP_SECS=1 \
  BOTWIRE_BENCH_BIN="$work/server" stdbuf -oL cargo bench -q -p botwire-server --bench receiver 2>&1 |
  while IFS= read -r line; do
    echo "$line" >> "$work/out"
    case "$line" in
      *"server pid "*) pid=$(echo "$line" | sed 's/.*server pid \([0-9]*\).*/\1/') ;;
      *"measuring POST /hooks/{token} ("*) callgrind_control -z "$pid" >/dev/null 2>&1 ;;
      *"measuring POST /hooks/{token} at 1"*) callgrind_control -d "$pid" >/dev/null 2>&1 ;;
    esac
  done

hooks=$(awk '/^sqlite +POST \/hooks\/\{token\} +[0-9]/ {print $11; exit}' "$work/out")
[ -n "$hooks" ] || { cat "$work/out"; exit 1; }
echo "server: $bin"
echo "hooks answered while counting: $hooks"
for f in "$work"/callgrind.*.*; do
  [ -s "$f" ] || continue
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
  # A thread is told by the code it ran (the writer's loop, whatever the compiler inlined).
  if grep -q 'group_commit::sync' "$f"; then thread=sync
  elif grep -Eq 'group_commit::(BatchRunner|run$)|receiver::Ingest::run' "$f"; then thread=writer
  elif grep -q 'hyper' "$f"; then thread=http
  else thread=other; fi
  echo "$thread $total"
done | awk -v n="$hooks" '{sum[$1] += $2} END {
  for (t in sum) printf "  %-6s %8.1f thousand instructions per hook\n", t, sum[t] / n / 1000 }' | sort

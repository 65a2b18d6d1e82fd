#!/usr/bin/env bash
# The floor experiment of BENCHMARKS.md ("What any durable design could reach"): how fast the
# hooks route could be if it stopped early. Builds this commit with floor-experiment.patch in a
# throwaway worktree (the patch adds BOTWIRE_FLOOR to the receiver and a one-table migration;
# it is never part of the product), then runs the receiver bench on SQLite, alternating the
# full route with the route cut short:
#   read     answer 200 once the token is looked up and the body read
#   prepare  ... and once the request is worked out (parsing, identity values, mappings, log row)
#   append   ... and once the raw body alone is durably appended to a table (group commit, sync)
# The bench reports failures for the cut-short runs (nothing is logged): only the figures count.
# Usage: scripts/bench-receiver-floor.sh [rounds] (3). FLOOR_TARGET_DIR: where to build (a new
# directory by default, so a full release build; reuse one to save time).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || ensure_apt wrk
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/tree" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --quiet --detach "$work/tree" HEAD
git -C "$work/tree" apply "$root/scripts/floor-experiment.patch"
target=${FLOOR_TARGET_DIR:-$work/target}
(cd "$work/tree" && CARGO_TARGET_DIR="$target" cargo build -q --release -p botwire-server --benches)
bin="$work/botwire-floor"
cp "$target/release/botwire" "$bin"
bench=$(ls -t "$target"/release/deps/receiver-* | grep -v '\.d$' | head -1)
for round in $(seq "$rounds"); do
  for floor in "" read prepare append; do
    echo "== ${floor:-full route} (round $round)"
    BOTWIRE_FLOOR=$floor BOTWIRE_BENCH_DBS=sqlite BOTWIRE_BENCH_SECS=${BOTWIRE_BENCH_SECS:-6} \
      BOTWIRE_BENCH_BIN="$bin" "$bench" --bench 2>&1 | grep -E '^sqlite +(GET|POST) [^(]*$' || true
  done
done

#!/usr/bin/env bash
# The admin app's benchmarks in headless Chromium (BENCHMARKS.md, "Admin app in headless
# Chromium"): installs what is missing, builds the app and the release server, and runs
# benches/app.rs. Extra arguments go to the bench; BOTWIRE_BENCH_RUNS sets the repetitions.
source "$(dirname "$0")/lib.sh"

ensure_app_tools
ensure_apt chromium chromium-driver
build_app
say "building the release server"
cargo build --locked --release -p botwire-server --quiet

export BOTWIRE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/botwire"
export BOTWIRE_DIST="$ROOT/dist"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CHROME="${CHROME:-$(command -v chromium)}"

say "cargo bench -p botwire-app --bench app"
cargo bench --locked -p botwire-app --bench app -- "$@"

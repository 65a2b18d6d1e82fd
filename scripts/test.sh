#!/usr/bin/env bash
# README command 2: install what the tests need and run every check and test:
# format, lints, the core's wasm32 build, botwire-core, the server (SQLite and PostgreSQL)
# and the app in headless Chromium.
source "$(dirname "$0")/lib.sh"

ensure_app_tools
ensure_apt chromium chromium-driver wrk
ensure_postgres

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets"
cargo clippy --locked --workspace --all-targets --quiet -- -D warnings
say "botwire-core for wasm32"
cargo build --locked -p botwire-core --target wasm32-unknown-unknown --quiet
build_app
say "building the server binary the tests start"
cargo build --locked -p botwire-server --quiet

# Tests read these; each test makes its own SQLite file or PostgreSQL database.
export BOTWIRE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/botwire"
export BOTWIRE_DIST="$ROOT/dist"
export BOTWIRE_TEST_PG_URL="${BOTWIRE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CHROME="${CHROME:-$(command -v chromium)}"

say "cargo test"
cargo test --locked --workspace -- "$@"

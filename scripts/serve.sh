#!/usr/bin/env bash
# README command 1: install what is missing, build the app, and serve Botwire on
# http://127.0.0.1:8080 with the SQLite file ./botwire.db (created on first start).
source "$(dirname "$0")/lib.sh"

ensure_app_tools
build_app
say "building the server (release)"
cargo build --release --locked -p botwire-server --quiet
say "serving on http://127.0.0.1:8080 (Ctrl-C stops)"
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/botwire" serve --addr 127.0.0.1:8080 --database-url sqlite://botwire.db --dist dist "$@"

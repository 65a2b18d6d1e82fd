#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: every screen at 1280 px and 390 px wide, taken by the
# browser test tests/app_screenshots.rs (which also checks that each screen fits), then
# quantised to 256 colours with pngquant to keep the repository small.
source "$(dirname "$0")/lib.sh"

ensure_app_tools
ensure_apt chromium chromium-driver pngquant
build_app
say "building the server binary the test starts"
cargo build --locked -p botwire-server --quiet

export BOTWIRE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/botwire"
export BOTWIRE_DIST="$ROOT/dist"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CHROME="${CHROME:-$(command -v chromium)}"
export BOTWIRE_SCREENSHOTS="$ROOT/docs/screenshots"

mkdir -p "$BOTWIRE_SCREENSHOTS"
rm -f "$BOTWIRE_SCREENSHOTS"/*.png
say "taking the screenshots"
cargo test --locked -p botwire-app --test app_screenshots -- --test-threads=1
say "compressing"
pngquant --force --strip --speed 1 --ext .png 256 "$BOTWIRE_SCREENSHOTS"/*.png
du -ch "$BOTWIRE_SCREENSHOTS"/*.png | tail -n1

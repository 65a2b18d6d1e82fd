# Shared by scripts/serve.sh and scripts/test.sh: install what is missing, quietly when
# everything is there already. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
# Debian's wasm-opt (binaryen 108) corrupts wasm-bindgen's externref table when it writes a
# module, so the app is optimised with binaryen from the npm registry, pinned here and in
# Trunk.toml, installed into .tools/ (not committed).
BINARYEN_VERSION=132.0.0
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages, installed only when one of them is missing.
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  say "adding the wasm32-unknown-unknown target"
  if ! rustup target add wasm32-unknown-unknown; then
    # Some machines cannot reach rustup's server; the shared toolchain folder, when present,
    # holds the same standard library for this rustc.
    local fallback="$ROOT/../shared/toolchain/install-wasm32-std"
    [ -x "$fallback" ] || { echo "cannot install the wasm32 target" >&2; return 1; }
    "$fallback"
  fi
}

ensure_trunk() {
  if trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then return 0; fi
  say "installing trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked --quiet
}

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return 0; fi
  say "installing wasm-bindgen-cli $want"
  # Without --locked: the registry copy can lack the newest patch of a dependency.
  cargo install wasm-bindgen-cli --version "$want" --quiet
}

ensure_wasm_opt() {
  if wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*} "; then return 0; fi
  command -v npm >/dev/null || ensure_apt nodejs npm
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm) into .tools/"
  npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools" "binaryen@$BINARYEN_VERSION" >/dev/null
}

ensure_app_tools() {
  ensure_wasm_target
  ensure_wasm_opt
  ensure_trunk
  ensure_wasm_bindgen
}

# The release bundle in dist/. Trunk is offline (Trunk.toml) and uses the tools above.
build_app() {
  say "building the app (release)"
  trunk build --release --offline
}

ensure_postgres() {
  command -v pg_ctlcluster >/dev/null || { say "PostgreSQL is not installed; installing"; ensure_apt postgresql; }
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
    say "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
}

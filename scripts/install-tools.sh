#!/usr/bin/env bash
# Installs, only where missing, every tool the build and the test suite need on a Debian machine.
# Safe to rerun: each step checks first. Versions are pinned where the build depends on them.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pinned in Cargo.toml
CARGO_LEPTOS_VERSION=0.3.11
BINARYEN_VERSION=132           # Debian's binaryen silently corrupts the bundle; npm's does not
TOOLS_DIR="${REPLENISH_TOOLS_DIR:-$HOME/.local/share/replenish-tools}"

log() { printf '[install-tools] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

apt_missing=()
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v psql >/dev/null || apt_missing+=(postgresql-client)
command -v curl >/dev/null || apt_missing+=(curl)
command -v wrk >/dev/null || apt_missing+=(wrk)
command -v npm >/dev/null || apt_missing+=(nodejs npm)
command -v python3 >/dev/null || apt_missing+=(python3 python3-pip)
command -v cc >/dev/null || apt_missing+=(build-essential)
[ -e /usr/include/openssl/ssl.h ] || apt_missing+=(libssl-dev pkg-config)
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "apt: ${apt_missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs) and rerun" >&2
  exit 1
fi

rustup target list --installed | grep -q wasm32-unknown-unknown || {
  log "rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}

python3 -c 'import aiosmtpd' 2>/dev/null || {
  log "pip: aiosmtpd (the loopback SMTP server the tests assert against)"
  python3 -m pip install --quiet aiosmtpd
}

# Tools from npm live in one private prefix so that nothing global changes.
mkdir -p "$TOOLS_DIR"
if [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ] || ! wasm-opt --version | grep -q "version $BINARYEN_VERSION"; then
  log "npm: binaryen@$BINARYEN_VERSION"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
fi

# Builds a crate from its crates.io source with one dependency held back, because the published lockfile
# needs a newer rustc than this machine's.
install_from_source() { # crate version binary hold_back_package hold_back_version
  local crate=$1 version=$2 hold=$3 hold_version=$4 src work
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -n1 || true)
  if [ -z "$src" ]; then
    # A failed install still downloads and unpacks the source, which is all that is needed here.
    cargo install "$crate@$version" --locked >/dev/null 2>&1 || true
    src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" | head -n1)
  fi
  work=$(mktemp -d)
  cp -r "$src" "$work/$crate"
  (cd "$work/$crate" && cargo update -q -p "$hold" --precise "$hold_version" && cargo install -q --path . --locked)
  rm -rf "$work"
}

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "cargo: wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 10 minutes)"
  install_from_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "cargo: cargo-leptos $CARGO_LEPTOS_VERSION (20 to 40 minutes)"
  install_from_source cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1
fi

if [ ! -d "$(dirname "$0")/../end2end/node_modules/@playwright/test" ] && [ -f "$(dirname "$0")/../end2end/package.json" ]; then
  log "npm: end2end dependencies (Playwright uses Debian's chromium, no browser download)"
  (cd "$(dirname "$0")/../end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

log "all tools present"

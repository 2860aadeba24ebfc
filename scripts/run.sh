#!/usr/bin/env bash
# Installs what is missing, builds the release server and WASM bundle, and starts the portal on
# http://127.0.0.1:3000 with SQLite in ./data (created on first run, migrations applied at start-up).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
export PATH="$HOME/.cargo/bin:${REPLENISH_TOOLS_DIR:-$HOME/.local/share/replenish-tools}/node_modules/.bin:$PATH"
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# cargo-leptos writes the site (CSS, JS, WASM) under the workspace's target/, wherever CARGO_TARGET_DIR is.
SITE_ROOT="$PWD/target/site"
cargo leptos build --release
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$SITE_ROOT}"
exec "$TARGET_DIR/release/replenish" serve

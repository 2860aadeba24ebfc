#!/usr/bin/env bash
# Installs what is missing, builds the release server and WASM bundle, and starts the portal on
# http://127.0.0.1:3000 with SQLite in ./data (created on first run, migrations applied at start-up).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cargo leptos build --release
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$SITE_ROOT}"
exec "$TARGET_DIR/release/replenish" serve

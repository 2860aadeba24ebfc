# Sourced by run.sh and test.sh: installs what is missing and sets the paths the build uses.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-tools.sh
export PATH="$HOME/.cargo/bin:${REPLENISH_TOOLS_DIR:-$HOME/.local/share/replenish-tools}/node_modules/.bin:$PATH"
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# cargo-leptos writes the site (CSS, JS, WASM) under the workspace's target/, wherever CARGO_TARGET_DIR is.
SITE_ROOT="$PWD/target/site"

#!/usr/bin/env bash
# The whole suite, in tiers: unit tests, HTTP tests on SQLite, the same on PostgreSQL, Playwright in
# Debian's Chromium, then the release build, a short crash run and a run of aborted page loads. Prints what
# each tier ran and fails if a tier that ran executed no test.
# REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a failure instead of a visible skip.
set -euo pipefail
source "$(dirname "$0")/common.sh"
export CARGO_TARGET_DIR="$TARGET_DIR"
LOG_DIR=$(mktemp -d)
# cargo-leptos builds debug binaries with exactly this flag; the cargo test tiers use it too so that all
# tiers share one set of compiled dependencies. It is not exported: cargo-leptos would append it again.
ERASE="--cfg erase_components"
declare -A COUNTS

# Sums the "N passed" of every cargo test result line in a log.
passed_in() { grep -hE '^test result: ' "$1" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}'; }

run_tier() { # name, command...
  local name=$1; shift
  echo "=== tier: $name"
  "$@" 2>&1 | tee "$LOG_DIR/$name.log"
  local count
  count=$(passed_in "$LOG_DIR/$name.log")
  COUNTS[$name]=$count
  if [ "$count" -eq 0 ]; then
    echo "tier $name ran no test" >&2
    exit 1
  fi
}

# Lints first: clippy.toml keeps sea-orm's deferred transactions out (see app/src/services/transactions.rs).
echo "=== check: clippy"
RUSTFLAGS="$ERASE" cargo clippy --locked -p app -p replenish --features app/ssr --tests -- -D warnings
RUSTFLAGS="$ERASE" run_tier unit cargo test --locked -p app --features ssr --lib
RUSTFLAGS="$ERASE" run_tier unit-server cargo test --locked -p replenish --lib --bins
RUSTFLAGS="$ERASE" REPLENISH_TEST_BACKEND=sqlite run_tier http-sqlite cargo test --locked --no-fail-fast -p replenish --test '*'

POSTGRES_URL="${TEST_DATABASE_URL:-}"
POSTGRES_SOURCE="TEST_DATABASE_URL"
if [ -z "$POSTGRES_URL" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
  POSTGRES_SOURCE="the local server on 127.0.0.1:5432"
fi
if [ -n "$POSTGRES_URL" ]; then
  echo "=== PostgreSQL tier uses $POSTGRES_SOURCE"
  RUSTFLAGS="$ERASE" TEST_DATABASE_URL="$POSTGRES_URL" REPLENISH_TEST_BACKEND=postgres run_tier http-postgres cargo test --locked --no-fail-fast -p replenish --test '*'
else
  echo "=== SKIPPED: PostgreSQL tier (TEST_DATABASE_URL unset and nothing answers on 127.0.0.1:5432)"
  COUNTS[http-postgres]="skipped"
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "REQUIRE_POSTGRES=1 but no PostgreSQL is reachable" >&2
    exit 1
  fi
fi

echo "=== tier: end-to-end (Playwright, Debian Chromium)"
cargo leptos build
if [ ! -f "$SITE_ROOT/pkg/replenish.wasm" ]; then
  echo "the WASM bundle is missing from $SITE_ROOT/pkg: pages would never hydrate" >&2
  exit 1
fi
# The specs are type-checked first: Playwright itself runs TypeScript without checking it.
(cd end2end && npx tsc --noEmit -p .)
(
  cd end2end
  REPLENISH_BIN="$TARGET_DIR/debug/replenish" LEPTOS_SITE_ROOT="$SITE_ROOT" npx playwright test 2>&1
) | tee "$LOG_DIR/e2e.log"
e2e_passed=$(grep -oE '^ *[0-9]+ passed' "$LOG_DIR/e2e.log" | grep -oE '[0-9]+' | tail -n1 || true)
e2e_failed=$(grep -oE '^ *[0-9]+ failed' "$LOG_DIR/e2e.log" | grep -oE '[0-9]+' | tail -n1 || true)
COUNTS[e2e]=${e2e_passed:-0}
if [ "${e2e_passed:-0}" -eq 0 ]; then
  echo "tier e2e ran no test" >&2
  exit 1
fi

# `make run` starts the release build: it must build, and its bundle must hydrate its server's pages (a
# server and bundle built differently do not, and only a browser notices). Last, so that the debug bundle
# served the tests above.
echo "=== check: release build (what make run starts)"
cargo leptos build --release
if ! (
  cd end2end
  REPLENISH_BIN="$TARGET_DIR/release/replenish" LEPTOS_SITE_ROOT="$SITE_ROOT" \
    npx playwright test tests/auth-errors.spec.ts --project js-on 2>&1
) | tee "$LOG_DIR/release-hydration.log"; then
  echo "the release build's pages do not work with JavaScript on" >&2
  exit 1
fi

# A short run of the crash script (the full one is a benchmark): the release server is killed mid-write and
# every acknowledged write and order must be in the database after the restart.
echo "=== check: crash safety (release build, SIGKILL mid-run)"
# Both release-server checks run on PostgreSQL too when it is there.
bench_databases=(--skip-postgres)
[ -n "$POSTGRES_URL" ] && bench_databases=()
if ! TEST_DATABASE_URL="$POSTGRES_URL" python3 server/benches/crash.py --binary "$TARGET_DIR/release/replenish" \
  --devices 4 --rounds 2 --seconds 2 "${bench_databases[@]}"; then
  echo "the crash run lost or duplicated an acknowledged write (or could not run): see above" >&2
  exit 1
fi

# Browsers that abort page loads mid-render must not stop the release server (built to abort on panic, it
# died of this within 12 to 30 s of such loads) nor leave it busy with their loaders afterwards.
echo "=== check: aborted page loads (release build)"
if ! TEST_DATABASE_URL="$POSTGRES_URL" python3 server/benches/aborted_pages.py \
  --binary "$TARGET_DIR/release/replenish" --seconds 30 "${bench_databases[@]}"; then
  echo "the release server stopped serving, or served late, after page loads were aborted: see above" >&2
  exit 1
fi

echo
echo "=== summary (tests passed per tier)"
for tier in unit unit-server http-sqlite http-postgres e2e; do
  printf '  %-14s %s\n' "$tier" "${COUNTS[$tier]}"
done
total=0
for tier in unit unit-server http-sqlite http-postgres e2e; do
  case "${COUNTS[$tier]}" in ''|*[!0-9]*) ;; *) total=$((total + COUNTS[$tier])) ;; esac
done
echo "$total passed, ${e2e_failed:-0} failed; release build ok and hydrating; no write lost in the crash run; aborted page loads survived"

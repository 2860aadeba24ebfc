# The two commands of the README, and a few conveniences for working on the project.
.PHONY: run test check fmt reviewer bench-runtime

run: ## install what is missing, build, and start the portal on http://127.0.0.1:3000
	bash scripts/run.sh

test: ## the whole suite: unit, HTTP on SQLite and PostgreSQL, Playwright
	bash scripts/test.sh

check: ## fast compile check of the server and the WASM side
	cargo check -p replenish && cargo check -p frontend --target wasm32-unknown-unknown

fmt:
	cargo fmt --all

reviewer: ## create a reviewer: make reviewer EMAIL=you@example.com (asks for the password)
	cargo run -q -p replenish -- create-reviewer --email "$(EMAIL)"

bench-runtime: ## runtime API throughput with wrk on SQLite and PostgreSQL (builds the release server first)
	cargo leptos build --release && python3 server/benches/runtime.py

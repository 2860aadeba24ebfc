#!/usr/bin/env python3
"""Portal load: starts the release server on SQLite, then on PostgreSQL, and measures what a maker's
browser costs it: cold start with every migration, idle RSS, a device page and the device list of an
organization with 1,000 devices under wrk at 64 connections (requests/s, p50, p99) and for a single
client (p50), the CPU time each request costs the server (and PostgreSQL's processes), peak RSS under
that load; then the hydrate bundle's size, raw and gzipped. Prints figures next to the targets of the
hardening issue; asserts nothing.

    python3 server/benches/portal.py [--binary target/release/replenish] [--devices 1000] [--duration 10]
                                     [--site target/site] [--skip-postgres]"""

import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
sys.path.insert(0, os.path.dirname(__file__))
from bench_common import BASE, call, databases, default_binary, session_cookie, signed_in_owner  # noqa: E402
from crash import Server  # noqa: E402


def rss_mb(pid, field):
    """`VmRSS` (now) or `VmHWM` (peak) of a process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        kilobytes = int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.M).group(1))
    return kilobytes / 1024


def cpu_seconds(pids):
    """User and system CPU time each of the processes `pids` has used so far (those that ended are left
    out)."""
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def cpu_used_since(before, pids):
    """CPU seconds the processes `pids` used since `before` (from `cpu_seconds`); a process that started
    since then counts in full, as the connections PostgreSQL opens for the pool under load do."""
    return sum(now - before.get(pid, 0) for pid, now in cpu_seconds(pids).items())


def postgres_pids():
    """The local PostgreSQL server's processes: its backends are where a page's queries cost CPU."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() == "postgres":
                    pids.append(int(entry))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
    return pids


def wrk(path, cookie, connections, duration):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(f'wrk.headers["Cookie"] = "{cookie}"\nwrk.headers["Accept"] = "text/html"\n')
    lua.close()
    threads = min(2, connections)
    output = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", lua.name,
                             f"{BASE}{path}"], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    count = int(re.search(r"(\d+) requests in", output).group(1))
    return rate, percentiles.get("50", "?"), percentiles.get("99", "?"), int(non_2xx.group(1)) if non_2xx else 0, count


def seed(workdir, database_url, devices):
    """Signs up an owner on the running server and registers `devices` devices for their organization;
    answers the owner's session cookie and the pages to load: (name, path, target req/s)."""
    client, org = signed_in_owner(workdir, "Portal Bench")
    for n in range(devices):
        call(client, "register_device", {"org": org, "kind": "skills_kit", "name": f"Bench device {n:04}",
                                         "model_id": f"PB-{n:04}", "marketplace": "US",
                                         "category": "water_filter"})
    if database_url.startswith("postgres"):
        # Measures the steady state: autovacuum gathers the new rows' statistics within a minute or so,
        # and until then the planner sorts all 1,000 devices for a page of 50 (the list's query took
        # 1.8 ms instead of 0.3 ms).
        subprocess.run(["psql", database_url, "-qc", "ANALYZE"], check=True)
    device = call(client, "list_devices", {"org": org, "search": "", "page": "1"})["devices"][0]["id"]
    pages = [("device page", f"/orgs/{org}/devices/{device}", 3000),
             (f"device list ({devices} devices)", f"/orgs/{org}", 1500)]
    return session_cookie(client), pages


def load(path, cookie, server_pid, postgres, duration):
    """`wrk` at 64 connections on one page: its figures (see `wrk`) and the CPU time each request cost the
    server and PostgreSQL's processes, in µs."""
    before = (cpu_seconds([server_pid]), cpu_seconds(postgres_pids() if postgres else []))
    loaded = wrk(path, cookie, 64, duration)
    requests = loaded[4]
    server_us = cpu_used_since(before[0], [server_pid]) / requests * 1e6
    database_us = cpu_used_since(before[1], postgres_pids() if postgres else []) / requests * 1e6
    return loaded, server_us, database_us


def measure(binary, database_url, workdir, devices, duration):
    postgres = database_url.startswith("postgres")
    label = "PostgreSQL" if postgres else "SQLite"
    server = Server(binary, database_url, workdir)
    cold = server.start()
    try:
        idle = rss_mb(server.process.pid, "VmRSS")
        cookie, pages = seed(workdir, database_url, devices)
        print(f"\n{label}: cold start with migrations {cold:.2f} s (target < 1 s); idle RSS {idle:.0f} MB "
              f"(target < 60 MB)")
        for name, path, target in pages:
            single = wrk(path, cookie, 1, max(3, duration // 2))
            loaded, server_us, database_us = load(path, cookie, server.process.pid, postgres, duration)
            print(f"  {name:<30} 64 connections: {loaded[0]:>8,.0f} req/s (target ≥ {target:,}), p50 {loaded[1]}, "
                  f"p99 {loaded[2]}, non-2xx {loaded[3]}; one client: p50 {single[1]}, p99 {single[2]}")
            print(f"  {'':<30} CPU per request: server {server_us:.0f} µs"
                  + (f", PostgreSQL {database_us:.0f} µs" if postgres else ""))
        print(f"  peak RSS under that load {rss_mb(server.process.pid, 'VmHWM'):.0f} MB (target < 250 MB)")
    finally:
        server.stop()


def bundle(site):
    for name in ("replenish.wasm", "replenish_bg.wasm"):
        path = os.path.join(site, "pkg", name)
        if os.path.exists(path):
            raw = open(path, "rb").read()
            js = open(os.path.join(site, "pkg", "replenish.js"), "rb").read()
            print(f"\nhydrate bundle: WASM {len(raw):,} B raw, {len(gzip.compress(raw, 9)):,} B gzip; "
                  f"JS {len(js):,} B raw, {len(gzip.compress(js, 9)):,} B gzip (target ≤ 250 KB gzip)")
            return
    print(f"\nno bundle under {site}/pkg: build it first (cargo leptos build --release)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--site", default=os.path.join(os.path.dirname(__file__), "..", "..", "target", "site"))
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    for database_url, workdir in databases("portal", args.skip_postgres):
        measure(args.binary, database_url, workdir, args.devices, args.duration)
    bundle(args.site)


if __name__ == "__main__":
    main()

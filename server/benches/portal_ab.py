#!/usr/bin/env python3
"""Portal A/B: two release builds of the server, measured on one database in alternating short runs, so
that a change is compared with the build before it in the same minutes of the same machine (runs on these
shared machines drift by 25 % and more within an hour). For each database it seeds an organization with
1,000 devices through build A and copies the database for B (each build migrates its own, so a build
that adds a migration does not stop the other from starting), then for each round starts A, loads the
device page and the device list with wrk at 64 connections, stops it, and does the same with B; prints
each build's median requests/s and CPU time per request (the server's and PostgreSQL's), and B's change
against A.

    python3 server/benches/portal_ab.py A_BINARY B_BINARY [--rounds 5] [--duration 5] [--devices 1000]
                                        [--skip-postgres]"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from contextlib import contextmanager

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
sys.path.insert(0, os.path.dirname(__file__))
from bench_common import databases  # noqa: E402
from crash import Server  # noqa: E402
from portal import load, seed  # noqa: E402


@contextmanager
def copy_of(database_url):
    """A copy of the database at `database_url`, made while no server uses it; removed afterwards."""
    if database_url.startswith("postgres"):
        base, name = database_url.rsplit("/", 1)
        admin, copy = f"{base}/postgres", f"{name}_b"
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'], check=True)
        try:
            yield f"{base}/{copy}"
        finally:
            subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'], check=False)
        return
    path = database_url.removeprefix("sqlite://").split("?")[0]
    copy = f"{path}.b"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            shutil.copyfile(path + suffix, copy + suffix)
    yield f"sqlite://{copy}?mode=rwc"


def compare(binaries, database_url, workdir, args):
    postgres = database_url.startswith("postgres")
    seeding = Server(binaries[0], database_url, workdir)
    seeding.start()
    try:
        cookie, pages = seed(workdir, database_url, args.devices)
    finally:
        seeding.stop()
    with copy_of(database_url) as copy:
        figures = measure(binaries, (database_url, copy), workdir, cookie, pages, args)
    report(figures, postgres, args)


def measure(binaries, database_urls, workdir, cookie, pages, args):
    """figures[page][build] = [(req/s, server µs, PostgreSQL µs), one per round]"""
    postgres = database_urls[0].startswith("postgres")
    figures = {name: {build: [] for build in "AB"} for name, _, _ in pages}
    for _ in range(args.rounds):
        for build, binary, database_url in zip("AB", binaries, database_urls):
            server = Server(binary, database_url, workdir)
            server.start()
            try:
                for name, path, _ in pages:
                    loaded, server_us, database_us = load(path, cookie, server.process.pid, postgres, args.duration)
                    if loaded[3]:
                        sys.exit(f"build {build} answered {loaded[3]} non-2xx responses on {path}")
                    figures[name][build].append((loaded[0], server_us, database_us))
            finally:
                server.stop()
    return figures


def report(figures, postgres, args):
    print(f"\n{'PostgreSQL' if postgres else 'SQLite'}, {args.rounds} alternating rounds of {args.duration} s, medians:")
    for name, builds in figures.items():
        medians = {build: [statistics.median(run[i] for run in runs) for i in range(3)]
                   for build, runs in builds.items()}
        for build in "AB":
            rate, server_us, database_us = medians[build]
            spread = sorted(run[0] for run in builds[build])
            print(f"  {name:<28} {build}: {rate:>7,.0f} req/s ({spread[0]:,.0f}–{spread[-1]:,.0f}), "
                  f"server {server_us:.0f} µs" + (f", PostgreSQL {database_us:.0f} µs" if postgres else ""))
        (rate_a, server_a, database_a), (rate_b, server_b, database_b) = medians["A"], medians["B"]
        print(f"  {'':<28} B against A: {100 * (rate_b / rate_a - 1):+.0f} % req/s, "
              f"{100 * (server_b / server_a - 1):+.0f} % server CPU"
              + (f", {100 * (database_b / database_a - 1):+.0f} % PostgreSQL CPU" if postgres else ""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a", help="the build to compare against (the one before the change)")
    parser.add_argument("b", help="the build with the change")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    for database_url, workdir in databases("portal-ab", args.skip_postgres):
        compare((args.a, args.b), database_url, workdir, args)


if __name__ == "__main__":
    main()

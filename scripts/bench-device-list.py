#!/usr/bin/env python3
"""Measures the device list: starts a built `replenish` binary on a throwaway database, registers an
owner and N devices through the portal's own server functions, then times the Devices page and the
list_devices call. Prints figures; asserts nothing about them.

Usage: scripts/bench-device-list.py [--binary PATH] [--devices 1000] [--requests 40] [--database-url URL]
"""

import argparse
import email
import glob
import json
import os
import quopri
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

PORT = 3190
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "bench password for devices 1"


def opener():
    jar = CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def call(client, endpoint, fields):
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(
        f"{BASE}/api/{endpoint}",
        data=body,
        headers={"Accept": "application/json", "Origin": BASE, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with client.open(request) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        sys.exit(f"{endpoint} failed: {error.code} {error.read()[:300]!r}")


def timed_get(client, path):
    start = time.perf_counter()
    with client.open(urllib.request.Request(f"{BASE}{path}", headers={"Accept": "text/html"})) as response:
        size = len(response.read())
    return (time.perf_counter() - start) * 1000, size


def timed_call(client, endpoint, fields):
    start = time.perf_counter()
    call(client, endpoint, fields)
    return (time.perf_counter() - start) * 1000


def summary(label, samples, extra=""):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(
        f"{label:<44} n={len(samples):<4} min {samples[0]:7.1f} ms  median {statistics.median(samples):7.1f} ms  "
        f"p95 {p95:7.1f} ms  max {samples[-1]:7.1f} ms {extra}"
    )


def verification_token(mail_dir):
    deadline = time.time() + 15
    while time.time() < deadline:
        for path in glob.glob(os.path.join(mail_dir, "*")):
            with open(path, "rb") as handle:
                raw = handle.read()
            try:
                message = email.message_from_bytes(json.loads(raw).get("raw", "").encode())  # lettre's JSON envelope
            except (ValueError, AttributeError):
                message = email.message_from_bytes(raw)
            text = ""
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if payload:
                    text += payload.decode("utf-8", "replace")
            if not text:
                text = quopri.decodestring(raw).decode("utf-8", "replace")
            found = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", text)
            if found:
                return found.group(1)
        time.sleep(0.2)
    sys.exit("no verification mail arrived")


def main():
    parser = argparse.ArgumentParser()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
    parser.add_argument("--binary", default=os.path.join(target, "release", "replenish"))
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.path.exists(binary):
        sys.exit(f"{binary} does not exist: build it first (cargo leptos build --release)")

    workdir = tempfile.mkdtemp(prefix="replenish-bench-")
    env = dict(os.environ)
    env.update(
        {
            "LEPTOS_SITE_ADDR": f"127.0.0.1:{PORT}",
            "PUBLIC_URL": BASE,
            "DATABASE_URL": args.database_url or f"sqlite://{workdir}/bench.db?mode=rwc",
            "RUST_LOG": "warn",
        }
    )
    env.pop("SMTP_URL", None)
    server = subprocess.Popen([binary, "serve"], cwd=workdir, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        client = opener()
        owner = f"bench-{int(time.time())}@example.com"
        call(client, "sign_up", {"email": owner, "password": PASSWORD, "organization_name": "Bench Org"})
        call(client, "verify_email", {"token": verification_token(os.path.join(workdir, "data", "mail"))})
        call(client, "sign_in", {"email": owner, "password": PASSWORD})
        viewer = call(client, "viewer", {})
        org = viewer["organizations"][0]["id"]

        registrations = []
        for n in range(args.devices):
            registrations.append(
                timed_call(
                    client,
                    "register_device",
                    {
                        "org": org,
                        "kind": "connect_kit" if n % 2 else "skills_kit",
                        "name": f"Bench device {n:04}",
                        "model_id": f"BENCH-{n:04}",
                        "device_type": "BENCHTYPE",
                        "marketplace": "US",
                        "category": "water_filter",
                    },
                )
            )
        backend = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
        print(f"Device list with {args.devices} devices, {backend}, {os.path.basename(binary)} ({binary})")
        summary("register_device (one device each)", registrations)
        page_times, size = [], 0
        for _ in range(args.requests):
            elapsed, size = timed_get(client, f"/orgs/{org}")
            page_times.append(elapsed)
        summary("GET /orgs/{org} (server-rendered list)", page_times, f" {size / 1024:.0f} KiB")
        if os.environ.get("BENCH_DUMP"):
            with client.open(urllib.request.Request(f"{BASE}/orgs/{org}", headers={"Accept": "text/html"})) as r:
                open(os.environ["BENCH_DUMP"], "wb").write(r.read())
        summary(
            "list_devices server function",
            [timed_call(client, "list_devices", {"org": org, "search": ""}) for _ in range(args.requests)],
        )
        summary(
            "list_devices, search 'device 09'",
            [timed_call(client, "list_devices", {"org": org, "search": "device 09"}) for _ in range(args.requests)],
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

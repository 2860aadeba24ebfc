#!/usr/bin/env python3
"""Measures the device list: starts a built `replenish` binary on a throwaway database, registers an
owner and N devices through the portal's own server functions, then times the Devices page and the
list_devices call. Prints figures; asserts nothing about them.

Usage: scripts/bench-device-list.py [--binary PATH] [--devices 1000] [--requests 40] [--database-url URL]
"""

import argparse
import os
import urllib.request

from bench_common import BASE, backend_name, default_binary, running_server, signed_in_owner, summary
from bench_common import timed_call, timed_get


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with running_server(args.binary, args.database_url) as (_, workdir):
        client, org = signed_in_owner(workdir, "Bench Org")
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
        backend = backend_name(args.database_url)
        print(f"Device list with {args.devices} devices, {backend}, {os.path.basename(args.binary)} ({os.path.abspath(args.binary)})")
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


if __name__ == "__main__":
    main()

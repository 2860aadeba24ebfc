#!/usr/bin/env python3
"""Aborted page loads: browsers that leave a page while it renders (closed tab, a click elsewhere) must
not harm the server. Starts the release server, then for a while many clients request a device page, a
device's tab and the device list and reset their connection a few milliseconds later, mid-render. The
server must still be running afterwards and serve the device page in full, and enough loads must have been
reset for the run to mean something. On SQLite, then on PostgreSQL.

Leptos panics in a render task whose page load was aborted (leptos-rs/leptos#4829); a server built with
`panic = "abort"` died of it within 12 to 30 s here. And the loaders of dropped pages must stop with them:
when they ran on, live pages waited 11 to 20 s after such a storm, on CI past the request timeout. Prints
how many loads were reset, how many render tasks panicked and how long the next page took; exits non-zero,
with the end of the server's log, if the server stopped, did not serve that page within RECOVERY_SECONDS,
or then hung instead of shutting down.

    python3 server/benches/aborted_pages.py [--binary target/release/replenish] [--seconds 30]
                                            [--clients 48] [--skip-postgres]"""

import argparse
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
sys.path.insert(0, os.path.dirname(__file__))
from bench_common import (BASE, PORT, backend_name, call, databases, default_binary, session_cookie,  # noqa: E402
                          signed_in_owner)
from crash import Server  # noqa: E402

# SO_LINGER on with a zero timeout: close() sends a reset at once, as a browser dropping a load does.
RESET_ON_CLOSE = struct.pack("ii", 1, 0)
# Fewer resets than this per second and the run did not load the server enough to count.
MIN_RESETS_PER_SECOND = 100
# How long the server may take to serve a page once the resets stop: the loads still in flight then
# (at most one per client) end or stop at once, so anything near this is work left running for nobody.
RECOVERY_SECONDS = 5


def reset_loads(server, requests, deadline, resets):
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=5) as connection:
                connection.sendall(random.choice(requests))
                time.sleep(random.random() * 0.02)
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
            resets.append(1)
        except OSError:
            # A full accept queue times out; a server that is gone is checked by the loop and the caller.
            continue


def run(binary, database_url, workdir, seconds, clients):
    with tempfile.TemporaryFile("w+", errors="replace") as log:
        server = Server(binary, database_url, workdir, stderr=log)
        server.start()
        try:
            client, org = signed_in_owner(workdir, "Aborted Pages")
            call(client, "register_device", {"org": org, "kind": "skills_kit", "name": "Aborted page device",
                                             "model_id": "AP-1", "marketplace": "US", "category": "water_filter"})
            device = call(client, "list_devices", {"org": org, "search": "", "page": "1"})["devices"][0]["id"]
            cookie = session_cookie(client)
            paths = [f"/orgs/{org}/devices/{device}", f"/orgs/{org}/devices/{device}/inventory", f"/orgs/{org}"]
            requests = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nCookie: {cookie}\r\n"
                        f"Accept: text/html\r\n\r\n".encode() for path in paths]
            resets = []
            deadline = time.monotonic() + seconds
            threads = [threading.Thread(target=reset_loads, args=(server, requests, deadline, resets))
                       for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            alive = server.process.poll() is None
            served = False
            stopped = time.monotonic()
            if alive:
                page = urllib.request.Request(f"{BASE}{paths[0]}", headers={"Cookie": cookie, "Accept": "text/html"})
                try:
                    with urllib.request.urlopen(page, timeout=RECOVERY_SECONDS) as response:
                        served = response.status == 200 and b"Aborted page device" in response.read()
                except OSError as error:
                    print(f"  the device page after the resets: {error}")
            recovery = time.monotonic() - stopped
            served = served and recovery <= RECOVERY_SECONDS
            log.seek(0)
            output = log.read()
            state = (f"served the device page {recovery:.2f} s after the last reset" if served
                     else f"is running but did not serve the page within {RECOVERY_SECONDS} s "
                          f"({recovery:.1f} s)") if alive else \
                f"died (exit {server.process.returncode})"
            enough = len(resets) >= MIN_RESETS_PER_SECOND * seconds
            print(f"{backend_name(database_url)}: {len(resets):,} page loads reset by the client in {seconds:g} s"
                  f"{'' if enough else ' (too few to count)'}, {output.count('panicked at')} render tasks "
                  f"panicked; the server {state}")
            if not (alive and served):
                print("the end of the server's log:\n" + "\n".join(output.splitlines()[-20:]))
            ok = alive and served and enough
        finally:
            stopped = stop(server, database_url)
        return ok and stopped


def stop(server, database_url):
    """Stops the server; one that hangs instead (a deadlock left by the dropped loads) fails the check."""
    try:
        server.stop()
        return True
    except subprocess.TimeoutExpired:
        server.process.kill()
        print(f"{backend_name(database_url)}: the server did not stop within 10 s of SIGTERM")
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    ok = all([run(args.binary, url, workdir, args.seconds, args.clients)
              for url, workdir in databases("aborted", args.skip_postgres)])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

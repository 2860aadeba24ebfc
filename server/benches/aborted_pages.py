#!/usr/bin/env python3
"""Aborted page loads: browsers that leave a page while it renders (closed tab, a click elsewhere) must
not harm the server. Starts the release server, then for a while many clients request a device page, a
device's tab and the device list and reset their connection a few milliseconds later, mid-render. The
server must still be running afterwards and serve the device page in full, and enough loads must have been
reset for the run to mean something. On SQLite, then on PostgreSQL.

Leptos panics in a render task whose page load was aborted (leptos-rs/leptos#4829); a server built with
`panic = "abort"` died of it within 12 to 30 s here. Prints how many loads were reset and how many render
tasks panicked; exits non-zero, with the end of the server's log, if the server stopped or stopped serving.

    python3 server/benches/aborted_pages.py [--binary target/release/replenish] [--seconds 30]
                                            [--clients 48] [--skip-postgres]"""

import argparse
import os
import random
import socket
import struct
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
# How long the server may take to serve a page once the resets stop.
RECOVERY_SECONDS = 60


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
            # The server first finishes the pages already asked for (seconds of work after such a storm).
            stopped = time.monotonic()
            if alive:
                page = urllib.request.Request(f"{BASE}{paths[0]}", headers={"Cookie": cookie, "Accept": "text/html"})
                try:
                    with urllib.request.urlopen(page, timeout=RECOVERY_SECONDS) as response:
                        served = response.status == 200 and b"Aborted page device" in response.read()
                except OSError as error:
                    print(f"  the device page after the resets: {error}")
            recovery = time.monotonic() - stopped
            log.seek(0)
            output = log.read()
            state = (f"served the device page {recovery:.1f} s after the last reset" if served
                     else "is running but did not serve the page") if alive else \
                f"died (exit {server.process.returncode})"
            enough = len(resets) >= MIN_RESETS_PER_SECOND * seconds
            print(f"{backend_name(database_url)}: {len(resets):,} page loads reset by the client in {seconds:g} s"
                  f"{'' if enough else ' (too few to count)'}, {output.count('panicked at')} render tasks "
                  f"panicked; the server {state}")
            if not (alive and served):
                print("the end of the server's log:\n" + "\n".join(output.splitlines()[-20:]))
            return alive and served and enough
        finally:
            server.stop()


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

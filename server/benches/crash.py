#!/usr/bin/env python3
"""Crash safety: drives slotStatus and replenish at full speed from several test devices, kills the server
with SIGKILL mid-run, restarts it on the same database and compares every acknowledged write with what
was stored. On SQLite, then on PostgreSQL. Prints what was acknowledged, lost and duplicated per round.

    python3 server/benches/crash.py [--binary target/release/replenish] [--devices 8] [--rounds 3]
                                    [--seconds 3] [--skip-postgres]

Each device writes its own registration's slot with a rising remainingQuantityInUnit, so the stored value
must be at least the last one acknowledged (one more is fine: written, then killed before answering). Every
fifth write it replenishes with a fresh Idempotency-Key, then cancels the test order: every acknowledged
order must be stored, and repeating every acknowledged key after the restart must answer the same order
(none twice; one open order per slot is also a database constraint). Exits non-zero on any loss or duplicate."""

import argparse
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
sys.path.insert(0, os.path.dirname(__file__))
from bench_common import BASE, PORT, PASSWORD, call, databases, default_binary, verification_token  # noqa: E402
from runtime import PREFIX, RETURN_URL, NoRedirect, approved_device  # noqa: E402


class Server:
    """`replenish serve` on a working directory and database that outlive it."""

    def __init__(self, binary, database_url, workdir, stderr=None):
        self.stderr = stderr
        self.binary = os.path.abspath(binary)
        self.workdir = workdir
        self.env = dict(os.environ)
        self.env.update({"LEPTOS_SITE_ADDR": f"127.0.0.1:{PORT}", "PUBLIC_URL": BASE, "DATABASE_URL": database_url,
                         "RUST_LOG": "error", "RUNTIME_RATE_PER_SECOND": "1000000"})
        self.env.pop("SMTP_URL", None)
        self.process = None

    def start(self):
        started = time.monotonic()
        self.process = subprocess.Popen([self.binary, "serve"], cwd=self.workdir, env=self.env, stderr=self.stderr)
        for _ in range(300):
            if self.process.poll() is not None:
                sys.exit(f"the server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
                return time.monotonic() - started
            except OSError:
                time.sleep(0.02)
        sys.exit("the server did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def drs(method, path, token, types, body=None, key=None):
    headers = {"Authorization": f"Bearer {token}", "x-amzn-type-version": PREFIX + types[0],
               "x-amzn-accept-type": PREFIX + types[1]}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{BASE}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"{}")


SLOT_STATUS = ("DrsSlotStatusInput@1.0", "DrsSlotStatusResult@1.0")
REPLENISH = ("DrsReplenishInput@1.0", "DrsReplenishResult@1.0")
CANCEL = ("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0")


def linked_devices(binary, env, workdir, count):
    """An approved device and `count` test registrations of it (serials SN-0…), each with an access token."""
    key, fresh = approved_device(binary, env, workdir, "CB-1")

    customer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect)
    call(customer, "my_sign_up", {"email": "tester@example.com", "password": PASSWORD, "marketplace": "US"})
    call(customer, "verify_customer_email",
         {"token": verification_token(os.path.join(workdir, "data", "mail"), "tester@example.com")})
    tokens = []
    for n in range(count):
        scope = json.dumps({"dash:replenish": {"device_model": "CB-1", "serial": f"SN-{n}",
                                               "should_include_non_live": True}})
        query = urllib.parse.urlencode({"client_id": fresh["client_id"], "scope": "dash:replenish",
                                        "response_type": "code", "redirect_uri": RETURN_URL, "state": "s",
                                        "scope_data": scope})
        request = urllib.request.Request(f"{BASE}/api/confirm_consent",
                                         data=urllib.parse.urlencode({"query": query, "decision": "allow",
                                                                      f"choice[slot-{key}]": "B0BENCH001"}).encode(),
                                         headers={"Accept": "text/html", "Origin": BASE})
        try:
            customer.open(request)
            sys.exit("the consent did not redirect")
        except urllib.error.HTTPError as redirect:
            code = urllib.parse.parse_qs(urllib.parse.urlparse(redirect.headers["Location"]).query)["code"][0]
        exchange = urllib.request.Request(
            f"{BASE}/auth/o2/token",
            data=urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": RETURN_URL,
                                         "client_id": fresh["client_id"], "client_secret": fresh["secret"]}).encode())
        with urllib.request.urlopen(exchange) as response:
            tokens.append((f"SN-{n}", json.loads(response.read())["access_token"]))
    return tokens


class Device(threading.Thread):
    """Writes its slot as fast as answers come back, until the server is gone."""

    def __init__(self, serial, token, start_value):
        super().__init__(daemon=True)
        self.serial, self.token, self.value = serial, token, start_value
        self.acked_status = None
        self.acked_orders = {}  # Idempotency-Key -> eventInstanceId
        self.writes = 0

    def run(self):
        try:
            while True:
                self.value += 1
                drs("POST", "/slotStatus/slot-01", self.token, SLOT_STATUS,
                    {"remainingQuantityInUnit": self.value, "originalQuantityInUnit": 1_000_000,
                     "totalQuantityOnHand": self.value, "lastUseDate": "2026-11-24T08:00:00Z",
                     "expectedReplenishmentDate": "2026-12-24T00:00:00Z"})
                self.acked_status = self.value
                self.writes += 1
                if self.value % 5 == 0:
                    key = f"{self.serial}-{self.value}"
                    answer = drs("POST", "/replenish/slot-01", self.token, REPLENISH, key=key)
                    self.acked_orders[key] = answer["eventInstanceId"]
                    drs("DELETE", "/testOrders/slot-01", self.token, CANCEL)
        except (OSError, http.client.HTTPException, ValueError):
            return


def query(database_url, sql):
    if database_url.startswith("sqlite"):
        path = urllib.parse.urlparse(database_url.replace("sqlite://", "file://")).path
        with sqlite3.connect(path) as connection:
            return connection.execute(sql).fetchall()
    output = subprocess.run(["psql", database_url, "-At", "-F", "\t", "-c", sql], capture_output=True, text=True,
                            check=True).stdout
    return [tuple(line.split("\t")) for line in output.splitlines() if line]


def crash_rounds(binary, database_url, workdir, devices, rounds, seconds):
    label = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    server = Server(binary, database_url, workdir)
    cold = server.start()
    failures = 0
    try:
        tokens = linked_devices(binary, server.env, workdir, devices)
        values = {serial: 0 for serial, _ in tokens}
        print(f"\n{label}: {devices} test devices, {rounds} rounds of {seconds} s then SIGKILL (cold start {cold:.2f} s)")
        for round_number in range(1, rounds + 1):
            threads = [Device(serial, token, values[serial]) for serial, token in tokens]
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            server.kill()
            for thread in threads:
                thread.join(timeout=10)
            restart = server.start()
            stored = dict(query(database_url, "SELECT r.serial, s.remaining_quantity FROM registration_slot s "
                                              "JOIN registration r ON r.id = s.registration_id"))
            order_ids = {row[0] for row in query(database_url, "SELECT id FROM replenishment_order")}
            lost_status = sum(1 for t in threads
                              if t.acked_status is not None and float(stored[t.serial] or 0) < t.acked_status)
            acked = {key: order for t in threads for key, order in t.acked_orders.items()}
            lost_orders = sum(1 for order in acked.values() if order not in order_ids)
            # Every acknowledged key, repeated after the restart, must answer its first order, not a new one.
            token_of = dict(tokens)
            duplicates = 0
            for t in threads:
                for key, order in t.acked_orders.items():
                    try:
                        again = drs("POST", "/replenish/slot-01", token_of[t.serial], REPLENISH, key=key)
                        duplicates += again.get("eventInstanceId") != order
                    except (OSError, http.client.HTTPException, ValueError):
                        duplicates += 1
            writes = sum(t.writes for t in threads)
            print(f"  round {round_number}: {writes:>6} slot writes and {len(acked):>4} orders acknowledged; "
                  f"lost writes {lost_status}, lost orders {lost_orders}, repeats answered with another order "
                  f"{duplicates}; restart {restart:.2f} s")
            failures += lost_status + lost_orders + duplicates
            for t in threads:
                values[t.serial] = max(t.value, int(float(stored[t.serial] or 0)))
    finally:
        server.stop()
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    failures = 0
    for database_url, workdir in databases("crash", args.skip_postgres):
        failures += crash_rounds(args.binary, database_url, workdir, args.devices, args.rounds, args.seconds)
    print("\nno acknowledged write lost, no order twice" if failures == 0 else f"\n{failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runtime API benchmark: starts the release server on SQLite, then on PostgreSQL, links a device through
the consent page and drives POST /slotStatus/{slotId} and POST /replenish/{slotId} (one Idempotency-Key,
so every call after the first repeats the stored answer) with wrk on loopback, next to GET /healthz of the
same server in the same run. Prints requests/s, p50, p99 and the ratio to /healthz.

    python3 server/benches/runtime.py [--binary target/release/replenish] [--connections 64] [--duration 10]

PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used to create and
drop a throwaway database; pass --skip-postgres to measure SQLite only."""

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from bench_common import (BASE, PASSWORD, backend_name, call, databases, default_binary,  # noqa: E402
                          opener, running_server, signed_in_owner, verification_token)

PREFIX = "com.amazon.dash.replenishment."
RETURN_URL = "http://127.0.0.1:9/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def approved_device(binary, env, workdir, model_id):
    """A maker's one-slot device whose replenishment ID a reviewer approved (tester@example.com allow-listed),
    and a security profile; answers the slot's key and the profile's fresh client ID and secret."""
    maker, org = signed_in_owner(workdir, "Bench Makers")
    call(maker, "register_device", {"org": org, "kind": "skills_kit", "name": "Bench Brewer", "model_id": model_id,
                                    "marketplace": "US", "category": "coffee_pods"})
    device_id = call(maker, "list_devices", {"org": org, "search": "", "page": "1"})["devices"][0]["id"]
    key = call(maker, "load_replenishment", {"org": org, "device": device_id})["slots"][0]["key"]
    field = lambda name: f"slots[slot-{key}][{name}]"  # noqa: E731
    call(maker, "save_request", {"org": org, "device": device_id, "intent": "submit", "customer_id": "A2BENCH",
                                 "test_accounts": "tester@example.com", field("sensor_type"): "Level",
                                 field("measurement"): "Count", field("unit"): "", field("unit_size"): "30",
                                 field("description"): "Bench pods", field("asins"): "B0BENCH001", field("detail"): ""})
    reviewer_email = f"reviewer-{uuid.uuid4().hex[:8]}@example.com"
    subprocess.run([binary, "create-reviewer", "--email", reviewer_email], input=f"{PASSWORD}\n", text=True,
                   env=env, cwd=workdir, check=True, capture_output=True)
    reviewer = opener()
    call(reviewer, "sign_in", {"email": reviewer_email, "password": PASSWORD})
    queue = call(reviewer, "load_review_queue", {"state": "submitted"})
    call(reviewer, "approve_request", {"request": queue["items"][0]["id"], "note": ""})
    call(maker, "create_security_profile", {"org": org, "name": "Bench", "return_urls": RETURN_URL})
    return key, call(maker, "load_security_profiles", {"org": org})["fresh_secret"]


def linked_device(binary, env, workdir):
    """An approved device linked by an allow-listed tester; answers an access token."""
    key, fresh = approved_device(binary, env, workdir, "BB-1")
    scope = json.dumps({"dash:replenish": {"device_model": "BB-1", "serial": "SN-1", "should_include_non_live": True}})
    query = urllib.parse.urlencode({"client_id": fresh["client_id"], "scope": "dash:replenish", "response_type": "code",
                                    "redirect_uri": RETURN_URL, "state": "s", "scope_data": scope})
    customer = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect)
    call(customer, "customer_sign_up", {"query": query, "email": "tester@example.com", "password": PASSWORD,
                                        "marketplace": "US"})
    token = verification_token(os.path.join(workdir, "data", "mail"), "tester@example.com")
    call(customer, "verify_customer_email", {"token": token})
    request = urllib.request.Request(f"{BASE}/api/confirm_consent",
                                     data=urllib.parse.urlencode({"query": query, "decision": "allow",
                                                                  f"choice[slot-{key}]": "B0BENCH001"}).encode(),
                                     headers={"Accept": "text/html", "Origin": BASE})
    try:
        customer.open(request)
        sys.exit("the consent did not redirect")
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
    token_request = urllib.request.Request(
        f"{BASE}/auth/o2/token",
        data=urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": RETURN_URL,
                                     "client_id": fresh["client_id"], "client_secret": fresh["secret"]}).encode())
    with urllib.request.urlopen(token_request) as response:
        return json.loads(response.read())["access_token"]


def wrk(path, connections, duration, lua=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if lua:
        command += ["-s", lua]
    output = subprocess.run(command + [f"{BASE}{path}"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, percentiles.get("50", "?"), percentiles.get("99", "?"), int(non_2xx.group(1)) if non_2xx else 0


def lua_script(directory, name, method, token, input_type, accept_type, body=None, extra_headers=()):
    lines = [f'wrk.method = "{method}"',
             f'wrk.headers["Authorization"] = "Bearer {token}"',
             f'wrk.headers["x-amzn-type-version"] = "{PREFIX}{input_type}"',
             f'wrk.headers["x-amzn-accept-type"] = "{PREFIX}{accept_type}"']
    for header, value in extra_headers:
        lines.append(f'wrk.headers["{header}"] = "{value}"')
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = [[{body}]]")
    path = os.path.join(directory, f"{name}.lua")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def measure(binary, database_url, connections, duration):
    label = backend_name(database_url)
    with running_server(binary, database_url) as (env, workdir):
        token = linked_device(binary, env, workdir)
        # The wrk scripts go with the server's scratch directory, which is removed with it.
        scripts = workdir
        status_body = json.dumps({"expectedReplenishmentDate": "2026-12-24T00:00:00Z", "remainingQuantityInUnit": 4,
                                  "originalQuantityInUnit": 30, "totalQuantityOnHand": 4,
                                  "lastUseDate": "2026-11-23T08:00:00Z"})
        status_lua = lua_script(scripts, "slot_status", "POST", token, "DrsSlotStatusInput@1.0",
                                "DrsSlotStatusResult@1.0", status_body)
        replenish_lua = lua_script(scripts, "replenish", "POST", token, "DrsReplenishInput@1.0",
                                   "DrsReplenishResult@1.0", extra_headers=[("Idempotency-Key", "bench-1")])
        rows = [("GET /healthz (trivial)", wrk("/healthz", connections, duration))]
        rows.append(("POST /slotStatus/slot-01", wrk("/slotStatus/slot-01", connections, duration, status_lua)))
        rows.append(("POST /replenish/slot-01 (idempotent)", wrk("/replenish/slot-01", connections, duration, replenish_lua)))
    trivial = rows[0][1][0]
    print(f"\n{label}, {connections} connections, {duration} s each")
    for name, (rate, p50, p99, errors) in rows:
        print(f"  {name:<40} {rate:>10,.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  "
              f"{rate / trivial:6.1%} of trivial  non-2xx {errors}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    for database_url, _ in databases("bench", args.skip_postgres):
        measure(args.binary, database_url, args.connections, args.duration)

if __name__ == "__main__":
    main()

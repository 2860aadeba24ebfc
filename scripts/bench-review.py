#!/usr/bin/env python3
"""Measures replenishment-ID requests and the review console: starts a built `replenish` binary on a
throwaway database, registers N devices, submits a request for each (each submit also queues two emails in
its transaction), then times the reviewers' queue holding all N, one request's page, and approvals.
Prints figures; asserts nothing about them.

Usage: scripts/bench-review.py [--binary PATH] [--devices 300] [--requests 40] [--database-url URL]
"""

import argparse
import os
import subprocess

from bench_common import PASSWORD, backend_name, call, default_binary, opener, running_server, signed_in_owner
from bench_common import summary, timed_call, timed_get


def request_form(org, device, slot_key, intent):
    field = lambda name: f"slots[slot-{slot_key}][{name}]"  # noqa: E731
    return {
        "org": org,
        "device": device,
        "intent": intent,
        "customer_id": "A2BENCH",
        "test_accounts": "tester@example.com",
        field("sensor_type"): "Level",
        field("measurement"): "Count",
        field("unit_size"): "30",
        field("description"): "Bench pods, 30-pack",
        field("asins"): "B07XJ8C8F5, B000000001",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=default_binary())
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with running_server(args.binary, args.database_url) as (env, workdir):
        client, org = signed_in_owner(workdir, "Bench Org")
        devices = []
        for n in range(args.devices):
            model_id = f"RV-{n:04}"
            call(client, "register_device", {"org": org, "kind": "skills_kit", "name": f"Bench brewer {n:04}",
                                             "model_id": model_id, "marketplace": "US", "category": "coffee_pods"})
            found = call(client, "list_devices", {"org": org, "search": model_id})
            devices.append(found["devices"][0]["id"])
        submits = []
        for device in devices:
            tab = call(client, "load_replenishment", {"org": org, "device": device})
            submits.append(timed_call(client, "save_request", request_form(org, device, tab["slots"][0]["key"], "submit")))

        reviewer_email = "bench-reviewer@example.com"
        subprocess.run([os.path.abspath(args.binary), "create-reviewer", "--email", reviewer_email],
                       input=f"{PASSWORD}\n", text=True, env=env, cwd=workdir, check=True, capture_output=True)
        reviewer = opener()
        call(reviewer, "sign_in", {"email": reviewer_email, "password": PASSWORD})

        print(f"Review queue with {args.devices} submitted requests, {backend_name(args.database_url)}, "
              f"{os.path.abspath(args.binary)}")
        summary("save_request, submit (request + 2 emails)", submits)
        page_times, size = [], 0
        for _ in range(args.requests):
            elapsed, size = timed_get(reviewer, "/review")
            page_times.append(elapsed)
        summary("GET /review (server-rendered queue)", page_times, f" {size / 1024:.0f} KiB")
        summary("load_review_queue server function",
                [timed_call(reviewer, "load_review_queue", {}) for _ in range(args.requests)])
        queue = call(reviewer, "load_review_queue", {})
        ids = [item["id"] for item in queue["items"]][: args.requests]
        request_pages = [timed_get(reviewer, f"/review/requests/{request}")[0] for request in ids]
        summary("GET /review/requests/{id}", request_pages)
        summary("approve_request (IDs, allow list, email, audit)",
                [timed_call(reviewer, "approve_request", {"request": request}) for request in ids])


if __name__ == "__main__":
    main()

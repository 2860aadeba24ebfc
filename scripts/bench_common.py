"""What the benchmark scripts share: a built `replenish` binary started on a throwaway database, a
cookie-keeping client for the portal's server functions, timers, and the figures they print."""

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
import uuid
from contextlib import contextmanager
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


def verification_token(mail_dir, recipient):
    """The token of the verification link mailed to `recipient` (a maker's or a customer's)."""
    deadline = time.time() + 15
    while time.time() < deadline:
        for path in glob.glob(os.path.join(mail_dir, "*")):
            with open(path, "rb") as handle:
                raw = handle.read()
            try:
                message = email.message_from_bytes(json.loads(raw).get("raw", "").encode())  # lettre's JSON envelope
            except (ValueError, AttributeError):
                message = email.message_from_bytes(raw)
            if recipient not in (message.get("To") or ""):
                continue
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


def default_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
    return os.path.join(target, "release", "replenish")


@contextmanager
def running_server(binary, database_url=None):
    """Starts `binary serve` on a throwaway directory (and database, unless one is given); yields the
    server's environment and working directory, and stops it afterwards."""
    binary = os.path.abspath(binary)
    if not os.path.exists(binary):
        sys.exit(f"{binary} does not exist: build it first (cargo leptos build --release)")
    workdir = tempfile.mkdtemp(prefix="replenish-bench-")
    env = dict(os.environ)
    env.update(
        {
            "LEPTOS_SITE_ADDR": f"127.0.0.1:{PORT}",
            "PUBLIC_URL": BASE,
            "DATABASE_URL": database_url or f"sqlite://{workdir}/bench.db?mode=rwc",
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
        yield env, workdir
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def databases(label, skip_postgres=False):
    """A throwaway SQLite database, then (unless skipped) a throwaway PostgreSQL one on the server of
    `TEST_DATABASE_URL` (default the local one): yields (database URL, scratch directory) for each and
    removes both afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"replenish-{label}-", ignore_cleanup_errors=True) as workdir:
        yield f"sqlite://{workdir}/{label}.db?mode=rwc", workdir
    if skip_postgres:
        return
    admin = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"replenish_{label}_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    try:
        with tempfile.TemporaryDirectory(prefix=f"replenish-{label}-", ignore_cleanup_errors=True) as workdir:
            yield f"{admin.rsplit('/', 1)[0]}/{name}", workdir
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def signed_in_owner(workdir, organization):
    """A verified, signed-in owner; returns (client, organization ID)."""
    client = opener()
    owner = f"bench-{time.time_ns()}@example.com"
    call(client, "sign_up", {"email": owner, "password": PASSWORD, "organization_name": organization})
    call(client, "verify_email", {"token": verification_token(os.path.join(workdir, "data", "mail"), owner)})
    call(client, "sign_in", {"email": owner, "password": PASSWORD})
    viewer = call(client, "viewer", {})
    return client, viewer["organizations"][0]["id"]


def session_cookie(client):
    """The `Cookie` header value of a client made by `opener`, for tools that send their own requests."""
    for handler in client.handlers:
        jar = getattr(handler, "cookiejar", None)
        if jar is not None:
            return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    sys.exit("no session cookie")


def backend_name(database_url):
    return "PostgreSQL" if (database_url or "").startswith("postgres") else "SQLite"

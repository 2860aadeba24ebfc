#!/usr/bin/env python3
"""Loopback SMTP sink for the Replenish end-to-end tests.

Accepts every message on 127.0.0.1 and stores it as one JSON file per message
in a directory, so the Playwright tests can read the mail the portal sends.

    python3 smtp_sink.py [PORT]

PORT comes from the first argument, else from SMTP_SINK_PORT, else 2526.
The directory comes from SMTP_SINK_DIR (default: .run/mail beside this file).

Each file is named <nanoseconds since epoch>-<sequence>.json, so sorting the
names sorts the messages by arrival, and holds:

    {"mail_from": "...", "rcpt_tos": ["..."], "data": "<raw RFC 5322 text>",
     "received_at": "<ISO 8601 UTC time>"}

Files are written under a temporary name and renamed into place, so a reader
never sees a half-written message. The server runs in the foreground until it
receives SIGINT or SIGTERM.
"""

import asyncio
import itertools
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone

from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
DEFAULT_PORT = 2526


class JsonFileHandler:
    """aiosmtpd handler that writes every accepted message to a JSON file."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.sequence = itertools.count()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(raw, bytes):
            data = raw.decode("utf-8", errors="replace")
        else:
            data = raw or ""
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": data,
            "received_at": datetime.now(timezone.utc).isoformat(),
        }
        name = f"{time.time_ns():020d}-{next(self.sequence):06d}"
        os.makedirs(self.directory, exist_ok=True)
        temporary = os.path.join(self.directory, f".{name}.tmp")
        final = os.path.join(self.directory, f"{name}.json")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False, indent=1)
        os.replace(temporary, final)
        print(
            f"smtp_sink: stored {os.path.basename(final)} from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}",
            flush=True,
        )
        return "250 Message accepted for delivery"


def parse_port() -> int:
    value = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SMTP_SINK_PORT", str(DEFAULT_PORT))
    try:
        return int(value)
    except ValueError:
        sys.exit(f"smtp_sink: invalid port {value!r}")


def sink_directory() -> str:
    configured = os.environ.get("SMTP_SINK_DIR")
    if configured:
        return os.path.abspath(configured)
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), ".run", "mail")


async def serve(port: int, directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    handler = JsonFileHandler(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp-sink.test", enable_SMTPUTF8=True),
        host=HOST,
        port=port,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"smtp_sink: ready on {HOST}:{port}, storing messages in {directory}", flush=True)
    try:
        await stop.wait()
    finally:
        server.close()
        # Idle pooled client connections would otherwise keep wait_closed() waiting (Python 3.12+).
        close_clients = getattr(server, "close_clients", None)
        if close_clients is not None:
            close_clients()
        try:
            await asyncio.wait_for(server.wait_closed(), timeout=2)
        except asyncio.TimeoutError:
            pass
        print("smtp_sink: stopped", flush=True)


def main() -> None:
    asyncio.run(serve(parse_port(), sink_directory()))


if __name__ == "__main__":
    main()

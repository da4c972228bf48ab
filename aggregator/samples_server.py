"""Serve the bundled sample partner sites on 127.0.0.1 from a background thread, moved to this week.

The samples describe the day ``today`` of their ``expected.json``; every response's dates are moved by
the whole weeks between that day and the project's clock (``aggregator.clock``), so a crawl finds the
same agenda around any day it runs, and exactly the expected one when the clock is pinned to it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aggregator import clock
from aggregator.sample_dates import DateShifter, week_shift
from aggregator.samples.serve import handler_for

SAMPLES = Path(__file__).parent / "samples"
SITES = SAMPLES / "sites"
SOURCES_FILE = SAMPLES / "sources.yaml"
EXPECTED_FILE = SAMPLES / "expected.json"


@cache
def samples_today(expected: Path = EXPECTED_FILE) -> date:
    """The day the samples describe."""
    return date.fromisoformat(json.loads(expected.read_text(encoding="utf-8"))["today"])


def current_shifter(expected: Path = EXPECTED_FILE) -> DateShifter:
    """The shift that brings the samples' day to this week of the project's clock."""
    anchor = samples_today(expected)
    return DateShifter(week_shift(clock.today(), anchor), anchor)


def _moved(data: bytes, content_type: str) -> tuple[bytes, int]:
    shifter = current_shifter()
    return shifter.document(data, content_type), int(shifter.delta.total_seconds())


def _counting(handler: type[BaseHTTPRequestHandler], requests: Counter[str]) -> type[BaseHTTPRequestHandler]:
    class Counting(handler):  # type: ignore[valid-type,misc]
        def respond(self, body: bool) -> None:
            requests[self.path.lstrip("/").split("/", 1)[0]] += 1
            super().respond(body)

    return Counting


@contextmanager
def serve_sites(root: Path = SITES, port: int = 0, requests: Counter[str] | None = None) -> Iterator[str]:
    """Serve ``root`` while the block runs; yields the base URL (no trailing slash). The bundled
    samples are moved to this week; any other folder is served as it is. ``requests``, if given,
    counts the requests each site (a folder of ``root``) answers."""
    handler = handler_for(str(root), _moved if root == SITES else None)
    if requests is not None:
        handler = _counting(handler, requests)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

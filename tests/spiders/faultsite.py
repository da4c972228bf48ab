"""A partner site that misbehaves on purpose, served on 127.0.0.1 from a background thread.

Files come from tests/fixtures/faults with the Content-Type listed in ``TYPES`` (wrong or missing
charsets included); a few paths are behaviours instead of files: ``/error/500``, ``/slow/…``
(answers after ``SLOW_SECONDS``), ``/huge.ics`` (20 MB with a Content-Length) and
``/huge-chunked.ics`` (20 MB with none). ``/robots.txt`` forbids ``/private/`` to ESS-Agenda.
Every request's path and User-Agent is recorded in ``requests``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "faults"
SLOW_SECONDS = 4
HUGE_BYTES = 20 * 1024 * 1024
ROBOTS = b"User-agent: ESS-Agenda\nDisallow: /private/\n\nUser-agent: *\nDisallow:\n"
TYPES = {
    "/tribe/events": "application/json; charset=utf-8",
    "/tribe/events?page=2": "application/json; charset=utf-8",
    "/ical/bad-events.ics": "text/calendar; charset=utf-8",
    "/ical/truncated.ics": "text/calendar; charset=utf-8",
    "/ical/cp1252.ics": "text/calendar; charset=utf-8",  # a lie: the bytes are windows-1252
    "/ical/cp1252-undeclared.ics": "text/calendar",
    "/html/fete.html": "text/html",  # the charset is only in the page's meta tag
    "/html/agenda-cp1252.html": "text/html; charset=utf-8",  # a lie: the bytes are windows-1252
    "/html/agenda-undeclared.html": "text/html",  # windows-1252 bytes, no charset anywhere
    "/html/agenda-utf8.html": "text/html",  # UTF-8 bytes, the meta tag says windows-1252
    "/rss/cp1252.xml": "application/rss+xml; charset=utf-8",  # windows-1252 bytes, both lie
    "/rss/post-cp1252.html": "text/html; charset=UTF-8",
    "/private/feed.ics": "text/calendar; charset=utf-8",
    "/ical/two-tzids.ics": "text/calendar; charset=utf-8",
    "/ical/undefined-tzids.ics": "text/calendar; charset=utf-8",
    "/ical/minutely.ics": "text/calendar; charset=utf-8",
    "/html/dates/": "text/html; charset=utf-8",
    "/html/dates/forum.html": "text/html; charset=utf-8",
}
FILES = {
    "/tribe/events": "tribe/events.json",
    "/tribe/events?page=2": "tribe/events@page=2.json",
    "/ical/cp1252-undeclared.ics": "ical/cp1252.ics",
    "/html/agenda-undeclared.html": "html/agenda-cp1252.html",
    "/html/dates/": "html/dates/index.html",
}


class FaultHandler(BaseHTTPRequestHandler):
    requests: list[tuple[str, str]]

    def do_GET(self) -> None:
        self.requests.append((self.path, self.headers.get("User-Agent", "")))
        # The crawler may hang up (a timeout, a size cap), as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._respond()

    def _respond(self) -> None:
        path = urlsplit(self.path).path
        if self.path == "/robots.txt":
            self._send(200, "text/plain", ROBOTS)
        elif self.path == "/error/500":
            self._send(500, "text/html", b"<h1>Internal Server Error</h1>")
        elif path.startswith("/slow/"):
            time.sleep(SLOW_SECONDS)
            self._send(200, "application/json", b'{"events": []}')
        elif path in ("/huge.ics", "/huge-chunked.ics"):
            self._send_huge(with_length=path == "/huge.ics")
        elif self.path in TYPES:
            body = (ROOT / FILES.get(self.path, self.path.lstrip("/"))).read_bytes()
            self._send(200, TYPES[self.path], body)
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_huge(self, with_length: bool) -> None:
        block = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * 1000 + b"\r\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        if with_length:
            self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        sent = 0
        while sent < HUGE_BYTES:
            self.wfile.write(block)
            sent += len(block)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def serve_faults() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Serve the fault site while the block runs; yields its base URL and the requests it got."""
    requests: list[tuple[str, str]] = []
    handler = type("Handler", (FaultHandler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()

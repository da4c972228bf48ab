"""Helpers for crawl, scheduler and admin tests: slow sites, waiting, sources and runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from aggregator.db import get_sessionmaker
from aggregator.models import CrawlRun, Source

T = TypeVar("T")

ICAL = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//slow//FR\r\n"
    "BEGIN:VEVENT\r\nUID:slow-1@test\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T110000Z\r\n"
    "SUMMARY:Atelier lent\r\nLOCATION:Rennes\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@dataclass
class SlowSite:
    base: str
    requested: threading.Event = field(default_factory=threading.Event)


@contextmanager
def slow_site(delay: float) -> Iterator[SlowSite]:
    """An iCal feed at ``{base}/agenda.ics`` that answers after ``delay`` seconds."""
    release = threading.Event()
    site = SlowSite("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/agenda.ics":
                site.requested.set()
                release.wait(delay)
                body, status = ICAL.encode(), 200
            else:
                body, status = b"", 404
            self.send_response(status)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def wait_for(check: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s for {check.__name__}")
        time.sleep(interval)


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for a reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def add_source(url: str, name: str, kind: str, source_url: str, **fields: object) -> None:
    """A source row as is, even of a kind only tests know."""
    fields.setdefault("options", {})
    with get_sessionmaker(url).begin() as session:
        session.add(Source(name=name, title=name, kind=kind, url=source_url, **fields))


def runs_of(url: str, name: str) -> list[CrawlRun]:
    with get_sessionmaker(url)() as session:
        query = select(CrawlRun).join(CrawlRun.source).where(Source.name == name).order_by(CrawlRun.id)
        return list(session.scalars(query))


def finished_run(url: str, name: str) -> CrawlRun | None:
    """The source's latest run once it is over."""
    runs = runs_of(url, name)
    return runs[-1] if runs and runs[-1].status != "running" else None

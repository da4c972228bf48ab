"""What the demo shows while it crawls: per source, pages fetched and events found, as they come.

Pages are counted by the sample sites' server as it answers; events are the listings each source has
stored so far in this crawl (crawls commit as they go). On a terminal one line is redrawn with a bar;
elsewhere (a log, a pipe) a line is printed every ``LOG_EVERY`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from aggregator.clock import now
from aggregator.db import get_sessionmaker
from aggregator.models import Listing, Source

TICK = 0.5
LOG_EVERY = 1.5
BAR_WIDTH = 20
SPINNER = "|/-\\"


class CrawlProgress:
    """A thread that reports the crawls of ``names`` until the block ends."""

    def __init__(
        self,
        database_url: str,
        names: list[str],
        pages: Callable[[str], int],
        total_pages: Callable[[], int],
        *,
        echo: Callable[[str], object],
        write: Callable[[str], object] | None = None,
    ) -> None:
        self.sessions = get_sessionmaker(database_url)
        self.names, self.pages_of, self.total_pages = names, pages, total_pages
        self.echo = echo
        self.write = write  # a terminal's raw writer: one line redrawn in place
        self.done: dict[str, str] = {}
        self._found: dict[str, int] = {}
        self.started: datetime = now()
        self._began = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="crawl-progress", daemon=True)

    def __enter__(self) -> CrawlProgress:
        self.echo(f"crawling {len(self.names)} sample sources…")
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._clear()

    def finished(self, name: str, summary: str) -> None:
        with self._lock:
            self.done[name] = summary
            self._clear()
            self.echo(f"  {name}: {summary}")

    def events_found(self) -> dict[str, int]:
        """Listings each source stored since the crawls began."""
        query = (
            select(Source.name, func.count(Listing.id))
            .join(Listing.source)
            .where(Listing.last_seen >= self.started)
            .group_by(Source.name)
        )
        try:
            with self.sessions() as session:
                self._found = {name: count for name, count in session.execute(query).all()}
        except SQLAlchemyError:
            pass  # a busy database: show what was last read
        return self._found

    def line(self, tick: int) -> str:
        found = self.events_found()
        elapsed = int(time.monotonic() - self._began)
        pages = {name: self.pages_of(name) for name in self.names}
        busy = [n for n in self.names if n not in self.done and pages[n]]
        now_crawling = ", ".join(f"{n} {pages[n]} p. {found.get(n, 0)} ev." for n in busy[:3])
        total = f"{self.total_pages()} pages, {sum(found.values())} events"
        filled = BAR_WIDTH * len(self.done) // max(1, len(self.names))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return (
            f"{SPINNER[tick % len(SPINNER)]} [{bar}] {len(self.done)}/{len(self.names)} sources, "
            f"{total}, {elapsed} s" + (f" | {now_crawling}" if now_crawling else "")
        )

    def _run(self) -> None:
        tick, every = 0, TICK if self.write else LOG_EVERY
        while not self._stop.wait(every):
            tick += 1
            text = self.line(tick)
            with self._lock:
                if self.write:
                    self.write("\r\x1b[K" + text)
                else:
                    self.echo("  " + text)

    def _clear(self) -> None:
        if self.write:
            self.write("\r\x1b[K")

"""Load test: the web app answering a bounded load while a crawl writes to the same SQLite database,
against the same load on the idle database, in the same run.

Usage: python -m bench.load [--requests 2000] [--threads 8] [--events 20000] [--feed-events 6000]

Populates a fresh SQLite database with ``--events`` events (bench.web's agenda), serves the app on
waitress in its own process (bench.web's server, 4 threads), then sends ``--requests`` requests
from ``--threads`` client threads over a mix of pages, feeds and API calls, twice: on the idle
database, then from the first listing ``ess-agenda crawl`` stores (a partner's iCalendar feed of
``--feed-events`` events) until the crawl has ended: normalizing, writing, deduplicating and
rendering its events, and the pages rebuilt for the new data. Prints p50/p95/p99 latency and
errors, each crawl-time figure also as a ratio to the idle one, how many requests the crawl saw and
how slow the slowest were, and how many of the feed's events the crawl stored (none may be lost).
Target: p99 under 500 ms during the crawl, 0 errors, 0 listings lost.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from aggregator.db import dispose_engine, get_sessionmaker
from aggregator.models import CrawlRun, Listing, Source
from aggregator.sources import upsert_sources, validate_source
from bench.crawl import PROJECT_ROOT, generate_site, serve
from bench.web import AGENDA_SPREAD, _free_port, _serve, _wait_for, populate

PATHS = (
    "/",
    "/?region=Bretagne",
    "/?category=atelier&page=2",
    "/mois/2026-12",
    "/calendar.ics?department=29",
    "/feed.atom?region=Occitanie",
    "/api/events?per_page=50",
    "/api/events?q=solidaire",
)
TARGET_P99_MS = 500.0


@dataclass
class Load:
    latencies_ms: list[float]
    errors: int
    started: float
    ended: float
    by_path: dict[str, list[float]]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def load(port: int, requests: int, threads: int, busy: Callable[[], bool] = lambda: False) -> Load:
    """``requests`` GETs over PATHS from ``threads`` keep-alive clients, and more for as long as
    ``busy()`` says; latencies and errors."""
    latencies: list[float] = []
    by_path: dict[str, list[float]] = {path: [] for path in PATHS}
    errors = [0]
    lock = threading.Lock()
    numbers = itertools.count()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                number = next(numbers)
            if number >= requests and not busy():
                break
            started = time.perf_counter()
            try:
                connection.request("GET", PATHS[number % len(PATHS)])
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                by_path[PATHS[number % len(PATHS)]].append(elapsed)
                errors[0] += not ok
        connection.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Load(latencies, errors[0], started, time.monotonic(), by_path)


def start_crawl(database_url: str, source: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ESS_AGENDA_DATABASE_URL": database_url, "ESS_AGENDA_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "aggregator.cli", "crawl", source],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_writes(database_url: str, source: str, crawl: subprocess.Popen[str]) -> None:
    """Until the crawl has stored its first listings: the load then meets its writes."""
    sessions = get_sessionmaker(database_url)
    while crawl.poll() is None:
        with sessions() as session:
            stored = session.scalar(select(func.count(Listing.id)).join(Source).where(Source.name == source))
        if stored:
            return
        time.sleep(0.05)


def stored_listings(database_url: str, source: str) -> tuple[int, str]:
    with get_sessionmaker(database_url)() as session:
        count = session.scalar(select(func.count(Listing.id)).join(Source).where(Source.name == source))
        status = session.scalars(
            select(CrawlRun.status).join(Source).where(Source.name == source).order_by(CrawlRun.id.desc())
        ).first()
    return int(count or 0), str(status)


def row(name: str, measured: Load, baseline: Load | None = None) -> str:
    figures = {"p50": measured.p50, "p95": measured.percentile(0.95), "p99": measured.percentile(0.99)}
    parts = []
    for label, value in figures.items():
        text = f"{label} {value:7.1f} ms"
        if baseline is not None:
            reference = {"p50": baseline.p50, "p95": baseline.percentile(0.95)}.get(
                label, baseline.percentile(0.99)
            )
            text += f" (×{value / reference:4.1f})"
        parts.append(text)
    rate = len(measured.latencies_ms) / (measured.ended - measured.started)
    return f"{name:<12} " + "  ".join(parts) + f"  errors {measured.errors}  {rate:6.0f} req/s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--feed-events", type=int, default=6000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ess-load-") as tmp:
        folder = Path(tmp)
        database_url = f"sqlite:///{folder / 'agenda.sqlite3'}"
        populate(database_url, args.events, AGENDA_SPREAD)
        (folder / "site").mkdir()
        generate_site(folder / "site", 0, args.feed_events)
        with serve(folder / "site") as base:
            # The feed is one partner's whole agenda: the per-crawl cap on events is raised above it.
            options = {"max_events": max(args.feed_events, 5000)}
            spec = {"name": "bench-ical", "kind": "ical", "url": f"{base}/feed.ics", "options": options}
            with get_sessionmaker(database_url).begin() as session:
                upsert_sources(session, [validate_source(spec)])
            dispose_engine(database_url)
            port = _free_port()
            context = multiprocessing.get_context("spawn")
            server = context.Process(target=_serve, args=("app", database_url, b"", port), daemon=True)
            server.start()
            try:
                _wait_for(port)
                load(port, len(PATHS) * 4, 1)  # every page once or more: first views aside
                idle = load(port, args.requests, args.threads)
                print(f"{args.requests} requests, {args.threads} threads, {args.events} events (SQLite)")
                print(row("idle", idle))
                crawl = start_crawl(database_url, "bench-ical")
                wait_for_writes(database_url, "bench-ical", crawl)
                # Until the crawl ends: its last step (dedup, VEVENTs, a new data version) too.
                crawling = load(port, args.requests, args.threads, lambda: crawl.poll() is None)
                crawl.communicate(timeout=1800)
                print(row("during crawl", crawling, idle))
                slow = sum(1 for ms in crawling.latencies_ms if ms >= TARGET_P99_MS)
                print(
                    f"  {len(crawling.latencies_ms)} requests during the crawl, {slow} of them "
                    f"{TARGET_P99_MS:.0f} ms or more, the slowest {max(crawling.latencies_ms):.0f} ms"
                )
                for path in PATHS:
                    alone, busy = idle.by_path[path], crawling.by_path[path]
                    print(
                        f"  {path:<30} median idle {statistics.median(alone):6.1f} ms, "
                        f"during crawl {statistics.median(busy):6.1f} ms"
                    )
            finally:
                server.terminate()
                server.join(timeout=10)
            stored, status = stored_listings(database_url, "bench-ical")
            lost = args.feed_events - stored
            print(f"crawl: {status}, {stored} of {args.feed_events} listings stored, {lost} lost")
            p99 = crawling.percentile(0.99)
            verdict = "met" if p99 < TARGET_P99_MS and not crawling.errors and not lost else "missed"
            print(f"target p99 < {TARGET_P99_MS:.0f} ms, 0 errors, 0 lost during a crawl: {verdict}")
        dispose_engine(database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

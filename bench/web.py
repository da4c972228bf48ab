"""Benchmark the feeds and the agenda, as ratios against baselines measured in the same run.

Usage: python -m bench.web [--feed-events 10000] [--agenda-events 100000] [--year-events 10000]
                           [--postgres-url URL] [--no-postgres] [--seconds 5] [--parts size,render,…]

0. Feed size: the unfiltered ``/calendar.ics`` of a busy year (``--year-events`` over the days feeds
   keep and the coming year), plain and gzipped, as a subscribing client downloads it.

1. Feed render, 10,000 events: the aggregator renders their VEVENT fragments once, as after the crawl
   that changed them; then the first ``/calendar.ics`` request (database read included), assembled
   from those fragments, against a bare icalendar build of the same, already loaded, events.
   Target ≤ 0.2.
2. Cached feed over real HTTP on 127.0.0.1 (waitress in its own process): requests/s of
   ``/calendar.ics`` against a view returning the same bytes from memory. Target ≥ 0.5.
3. Agenda page with 100,000 events on SQLite and PostgreSQL (three years of history and the next
   six months announced: about 10,000 upcoming): median and p95 latency over 15 filtered URLs, for
   each URL's first view ever (counts per facet computed in the request), its first view after a
   data change (lists recomputed, counts refreshed in the background) and its views while nothing
   changes. Target p95 < 50 ms, first views aside.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import logging
import multiprocessing
import random
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import selectinload

from aggregator.clock import pin as pin_clock
from aggregator.config import DEFAULT_FEED_PAST_DAYS
from aggregator.db import ROWS_PER_STATEMENT, chunks, connection_problem, get_engine, get_sessionmaker
from aggregator.fragments import render_all
from aggregator.models import DataVersion, Event, Listing, Source
from aggregator.schema import upgrade
from bench.databases import POSTGRES_URL, fresh_database

TODAY = date(2026, 11, 23)
TARGETS = {"render": 0.2, "cached": 0.5, "p95_ms": 50.0}

REGIONS = {
    "Bretagne": ["22", "29", "35", "56"],
    "Île-de-France": ["75", "77", "78", "91", "92", "93", "94", "95"],
    "Auvergne-Rhône-Alpes": ["01", "38", "42", "63", "69", "73", "74"],
    "Hauts-de-France": ["02", "59", "60", "62", "80"],
    "Nouvelle-Aquitaine": ["16", "17", "24", "33", "40", "64", "87"],
    "Occitanie": ["09", "11", "30", "31", "34", "66"],
    "Bourgogne-Franche-Comté": ["21", "25", "39", "71", "89"],
    "Grand Est": ["51", "54", "57", "67", "68"],
    "Pays de la Loire": ["44", "49", "53", "72", "85"],
    "Normandie": ["14", "27", "50", "61", "76"],
    "La Réunion": ["974"],
    "Guadeloupe": ["971"],
}
ZONES = {"974": "Indian/Reunion", "971": "America/Guadeloupe"}
CATEGORIES = [
    "atelier",
    "forum",
    "conférence / table ronde",
    "formation",
    "rencontre / réseau",
    "salon / marché",
    "portes ouvertes",
    "webinaire",
    "fête / festival",
    "permanence",
]
WORDS = [
    "atelier",
    "réparation",
    "vélo",
    "coopérative",
    "emploi",
    "solidaire",
    "jardin",
    "partagé",
    "recyclerie",
    "monnaie",
    "locale",
    "insertion",
    "habitat",
    "participatif",
    "alimentation",
    "circuit",
    "court",
    "tiers-lieu",
    "numérique",
    "mobilité",
    "énergie",
    "citoyenne",
    "finance",
]


FILLER = [
    f"{a}{b}"
    for a in ("pro", "con", "inter", "re", "dé", "trans", "co", "sur", "sous", "para")
    for b in (
        "jet",
        "tact",
        "venir",
        "cours",
        "gramme",
        "porter",
        "voir",
        "mettre",
        "prendre",
        "tenir",
        "former",
        "duire",
        "poser",
        "tracter",
        "vention",
        "fusion",
        "signer",
        "server",
        "crire",
        "cevoir",
    )
]


# -- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Where events fall: ``upcoming`` of them over the next ``ahead`` days, the rest in the past."""

    past: int
    ahead: int
    upcoming: float

    def day(self, rng: random.Random) -> date:
        if rng.random() < self.upcoming:
            return TODAY + timedelta(days=rng.randrange(self.ahead))
        return TODAY - timedelta(days=1 + rng.randrange(self.past))


# A feed's window: last week and the coming year.
FEED_SPREAD = Spread(past=6, ahead=365, upcoming=0.98)
# A subscriber's whole feed: the past days it keeps and the coming year.
YEAR_SPREAD = Spread(past=DEFAULT_FEED_PAST_DAYS, ahead=365, upcoming=365 / (365 + DEFAULT_FEED_PAST_DAYS))
# A database after years of use: three years of history, the next six months announced.
AGENDA_SPREAD = Spread(past=3 * 365, ahead=183, upcoming=0.1)


def _event_rows(rng: random.Random, count: int, spread: Spread) -> Iterator[dict[str, Any]]:
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    for number in range(count):
        region = rng.choice(list(REGIONS))
        department = rng.choice(REGIONS[region])
        zone = ZoneInfo(ZONES.get(department, "Europe/Paris"))
        day = spread.day(rng)
        all_day = rng.random() < 0.2
        online = rng.random() < 0.05
        if all_day:
            start = datetime.combine(day, clock.min, tzinfo=zone)
            end = start + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        else:
            start = datetime.combine(day, clock(rng.randrange(8, 20), rng.choice((0, 30))), tzinfo=zone)
            end = start + timedelta(minutes=rng.choice((60, 90, 120, 180, 240)))
        categories = rng.sample(CATEGORIES, rng.choice((1, 1, 2)))
        if day.month == 11 and rng.random() < 0.5:
            categories.append("Mois de l'ESS")
        title = " ".join(rng.sample(WORDS, 3)).capitalize()
        # Mostly common words, a few of the agenda's own: searches select a few percent of events.
        description = " ".join(
            rng.choice(WORDS) if rng.random() < 0.02 else rng.choice(FILLER) for _ in range(40)
        )
        yield {
            "uid": f"bench-{number}@ess-agenda.bench",
            "title": f"{title} n°{number}",
            "description": description,
            "start": start,
            "end": end,
            "all_day": all_day,
            "timezone": zone.key,
            "status": "cancelled" if rng.random() < 0.04 else "confirmed",
            "online": online,
            "location_name": None if online else f"Maison de l'ESS {number % 500}",
            "address": None if online else f"{number % 90 + 1} rue de la République",
            "postcode": None if online else f"{department[:2]}{number % 900:03d}"[:5],
            "city": None if online else f"Ville {department}-{number % 7}",
            "department": None if online else department,
            "region": None if online else region,
            "lat": None if online else 43 + rng.random() * 7,
            "lon": None if online else -4 + rng.random() * 11,
            "organizer": f"Association {number % 300}",
            "url": f"https://partenaire-{number % 60}.example/evenement/{number}",
            "categories": categories,
            "sequence": rng.choice((0, 0, 1)),
            "created_at": stamp,
            "updated_at": stamp,
        }


def populate(url: str, count: int, spread: Spread) -> None:
    """``count`` events spread so, each announced by one or two of 60 sources."""
    rng = random.Random(20261123)
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        sources = [
            Source(
                name=f"partenaire-{n:02d}",
                title=f"Partenaire {n:02d}",
                kind="ical",
                url=f"https://partenaire-{n:02d}.example/agenda.ics",
            )
            for n in range(60)
        ]
        session.add_all(sources)
        session.flush()
        source_ids = [s.id for s in sources]
        rows = list(_event_rows(rng, count, spread))
        for offset in range(0, count, 5000):
            session.execute(insert(Event), rows[offset : offset + 5000])
        ids = {uid: event_id for uid, event_id in session.execute(select(Event.uid, Event.id))}
        listings = []
        for row in rows:
            for source_id in rng.sample(source_ids, rng.choice((1, 1, 2))):
                listings.append(
                    {
                        "source_id": source_id,
                        "key": f"{row['uid']}-{source_id}",
                        "title": row["title"],
                        "start": row["start"],
                        "end": row["end"],
                        "all_day": row["all_day"],
                        "timezone": row["timezone"],
                        "url": row["url"],
                        "content_hash": "bench",
                        "event_id": ids[row["uid"]],
                    }
                )
        for chunk in chunks(listings, ROWS_PER_STATEMENT):
            session.execute(insert(Listing), chunk)
        session.add(DataVersion(version=1, changed_at=datetime(2026, 11, 22, tzinfo=UTC)))
    if url.startswith("postgresql"):
        with get_engine(url).connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


def make_app(url: str) -> Flask:
    from web import create_app

    return create_app({"DATABASE_URL": url})


# -- 1. feed render -----------------------------------------------------------------------------


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_render(count: int) -> tuple[dict[str, float], bytes]:
    import icalendar

    from web.cache import app_cache
    from web.ical import calendar_properties, event_component

    with fresh_database("sqlite") as url:
        populate(url, count, FEED_SPREAD)
        with get_sessionmaker(url)() as session:
            events = session.scalars(
                select(Event)
                .order_by(Event.start, Event.id)
                .options(selectinload(Event.listings).selectinload(Listing.source))
            ).all()

            def bare() -> bytes:
                calendar: icalendar.Calendar = calendar_properties("ESS Agenda")
                for event in events:
                    calendar.add_component(event_component(event))
                calendar.add_missing_timezones()
                return calendar.to_ical()

            baseline = best_of(3, bare)
        # What the aggregator does once the crawl that changed these events has ended.
        with get_sessionmaker(url).begin() as session:
            started = time.perf_counter()
            render_all(session)
            aggregator_render = time.perf_counter() - started
        app = make_app(url)
        client = app.test_client()
        started = time.perf_counter()
        first = client.get("/calendar.ics").data  # the first request after the change
        first_request = time.perf_counter() - started

        def from_fragments() -> bytes:
            with app.app_context():
                app_cache().clear()
            return client.get("/calendar.ics").data

        ours = best_of(5, from_fragments)
        assert from_fragments() == first
        return {
            "baseline_s": baseline,
            "aggregator_render_s": aggregator_render,
            "first_request_s": first_request,
            "render_s": ours,
            "ratio": ours / baseline,
            "bytes": len(first),
        }, first


# -- 2. cached feed over HTTP -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(kind: str, url: str, body: bytes, port: int) -> None:
    from waitress import serve

    # Four clients against four threads queue a request now and then; waitress would log each.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    if kind == "memory":
        app = Flask("memory")

        @app.get("/calendar.ics")
        def calendar() -> Response:
            return Response(body, content_type="text/calendar; charset=utf-8")

    else:
        app = make_app(url)
    serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no server on 127.0.0.1:{port}")


def _hammer(port: int, path: str, seconds: float, clients: int) -> float:
    """Requests per second with ``clients`` keep-alive connections asking in a loop."""
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def bench_cached(count: int, seconds: float) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    context = multiprocessing.get_context("spawn")
    with fresh_database("sqlite") as url:
        populate(url, count, FEED_SPREAD)
        for label, path in (
            ("région feed", "/calendar.ics?region=Bretagne"),
            ("whole feed", "/calendar.ics"),
        ):
            body = make_app(url).test_client().get(path).data
            rates = {}
            for kind in ("memory", "app"):
                port = _free_port()
                server = context.Process(target=_serve, args=(kind, url, body, port), daemon=True)
                server.start()
                try:
                    _wait_for(port)
                    _hammer(port, path, 0.5, 2)  # warm up: the app caches the body here
                    rates[kind] = _hammer(port, path, seconds, 4)
                finally:
                    server.terminate()
                    server.join(10)
            results[label] = {
                "bytes": len(body),
                "memory_rps": rates["memory"],
                "app_rps": rates["app"],
                "ratio": rates["app"] / rates["memory"],
            }
    return results


# -- 3. agenda latency --------------------------------------------------------------------------

AGENDA_URLS = [
    "/",
    "/?page=5",
    "/?region=Bretagne",
    "/?region=Île-de-France&category=atelier",
    "/?department=29",
    "/?department=974",
    "/?city=Ville 69-3",
    "/?category=forum",
    "/?source=partenaire-07",
    "/?mois_ess=1",
    "/?online=1",
    "/?q=recyclerie",
    "/?q=vélo solidaire&region=Occitanie",
    "/?from=2026-12-01&to=2026-12-07",
    "/?region=Grand Est&page=3",
]


PHASES = ("first view", "after a change", "steady")


def _timed(client: Any, path: str) -> float:
    started = time.perf_counter()
    assert client.get(path).status_code == 200, path
    return time.perf_counter() - started


def _bump(url: str) -> None:
    """What the aggregator does when events change."""
    with get_engine(url).begin() as connection:
        connection.execute(
            update(DataVersion).values(version=DataVersion.version + 1, changed_at=datetime.now(UTC))
        )


def summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
    }


def bench_agenda(
    kind: str, count: int, postgres_url: str, rounds: int = 3, repeats: int = 10
) -> dict[str, list[float]]:
    """Latencies per phase: a URL's first view ever (everything counted), its first view after a
    data change (lists recounted; counts per facet from before, recounted in the background), and
    its views while nothing changes."""
    from web.cache import app_cache

    with fresh_database(kind, postgres_url) as url:
        populate(url, count, AGENDA_SPREAD)
        app = make_app(url)
        client = app.test_client()
        for path in AGENDA_URLS:  # the engine's pool and the templates, not the caches
            _timed(client, path)
        times: dict[str, list[float]] = {phase: [] for phase in PHASES}
        for _ in range(rounds):
            with app.app_context():
                app_cache().clear()
            times["first view"] += [_timed(client, path) for path in AGENDA_URLS]
            for _ in range(repeats):
                times["steady"] += [_timed(client, path) for path in AGENDA_URLS]
            _bump(url)
            times["after a change"] += [_timed(client, path) for path in AGENDA_URLS]
            time.sleep(2)  # the background recounts
        return times


# -- report -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed-events", type=int, default=10_000)
    parser.add_argument("--agenda-events", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each requests/s run")
    parser.add_argument("--year-events", type=int, default=10_000, help="events of a busy year (size)")
    parser.add_argument("--parts", default="size,render,cached,agenda", help="which measures to run")
    args = parser.parse_args(argv)
    pin_clock(TODAY.isoformat())  # in this process and the servers it starts
    parts = set(args.parts.split(","))
    missed = []
    if "size" in parts:
        report_size(args.year_events)
    if "render" in parts:
        missed += report_render(args.feed_events)
    if "cached" in parts:
        missed += report_cached(args.feed_events, args.seconds)
    if "agenda" in parts:
        kinds = ["sqlite"]
        if not args.no_postgres and connection_problem(args.postgres_url) is None:
            kinds.append("postgresql")
        for kind in kinds:
            missed += report_agenda(kind, args.agenda_events, args.postgres_url)
    if missed:
        print("targets missed: " + ", ".join(missed))
    return 1 if missed else 0


def report_size(count: int) -> None:
    """How big the unfiltered feed grows with a busy year's events, as clients download it."""
    with fresh_database("sqlite") as url:
        populate(url, count, YEAR_SPREAD)
        body = make_app(url).test_client().get("/calendar.ics").data
    print(
        f"0. feed size, {count} events over {DEFAULT_FEED_PAST_DAYS} past days and the coming year: "
        f"{body.count(b'BEGIN:VEVENT')} events, {len(body) / 1e6:.1f} MB, "
        f"{len(gzip.compress(body)) / 1e6:.2f} MB gzipped"
    )


def report_render(count: int) -> list[str]:
    render, _ = bench_render(count)
    print(f"1. feed render, {count} events ({render['bytes'] / 1e6:.1f} MB):")
    print(
        f"   bare icalendar build {render['baseline_s']:.3f} s "
        f"({count / render['baseline_s']:.0f} events/s); the aggregator renders the fragments once "
        f"after the crawl {render['aggregator_render_s']:.3f} s"
    )
    print(
        f"   first /calendar.ics after the crawl {render['first_request_s']:.3f} s "
        f"({render['first_request_s'] / render['baseline_s']:.3f} of the bare build); "
        f"feed from fragments, best of 5 {render['render_s']:.3f} s"
    )
    print(f"   ratio {render['ratio']:.3f} (target ≤ {TARGETS['render']})")
    return ["render"] if render["ratio"] > TARGETS["render"] else []


def report_cached(count: int, seconds: float) -> list[str]:
    missed = []
    print(f"2. cached feed over HTTP on 127.0.0.1, {count} events, waitress 4 threads, 4 clients:")
    for label, figures in bench_cached(count, seconds).items():
        print(
            f"   {label} ({figures['bytes'] / 1e3:.0f} kB): "
            f"bytes from memory {figures['memory_rps']:.0f} req/s, "
            f"/calendar.ics {figures['app_rps']:.0f} req/s, ratio {figures['ratio']:.2f} "
            f"(target ≥ {TARGETS['cached']})"
        )
        if figures["ratio"] < TARGETS["cached"]:
            missed.append(f"cached {label}")
    return missed


def report_agenda(kind: str, count: int, postgres_url: str) -> list[str]:
    times = bench_agenda(kind, count, postgres_url)
    print(f"3. agenda page, {count} events, {kind}, {len(AGENDA_URLS)} URLs:")
    for phase in PHASES:
        figures = summary(times[phase])
        print(
            f"   {phase:<15} median {figures['median_ms']:6.1f} ms, p95 {figures['p95_ms']:6.1f} ms "
            f"({len(times[phase])} requests)"
        )
    served = summary(times["after a change"] + times["steady"])
    print(f"   all but first views: p95 {served['p95_ms']:.1f} ms (target < {TARGETS['p95_ms']:.0f})")
    return [f"agenda p95 {kind}"] if served["p95_ms"] >= TARGETS["p95_ms"] else []


if __name__ == "__main__":
    raise SystemExit(main())

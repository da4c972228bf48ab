"""Two crawls storing the same event at the same moment, in two real processes, end with one event."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from aggregator.db import get_engine, get_sessionmaker
from aggregator.dedup import deduplicate
from aggregator.models import Event, Listing, Source
from aggregator.schema import upgrade
from tests.aggregator.dedup_pairs import add_listing, add_sources

ROUNDS = 6
SOURCES = {"organizer": {"kind": "tribe"}, "national": {"kind": "openagenda"}}


def _columns(source: str, round_: int) -> dict[str, Any]:
    start = datetime.now(UTC).replace(hour=13, minute=0, second=0, microsecond=0) + timedelta(
        days=10 + round_
    )
    titles = {
        "organizer": f"Forum ESS & emploi n°{round_} du Pays de Brest",
        "national": f"Forum ESS et emploi n°{round_} – Pays de Brest",
    }
    return {
        "key": f"{source}-{round_}",
        "title": titles[source],
        "start": start,
        "city": "Brest",
        "department": "29",
        "region": "Bretagne",
    }


def crawl(url: str, source_name: str, barrier: Any) -> None:
    """One crawl process: store its listing, wait for the other's, then deduplicate."""
    with get_sessionmaker(url)() as session:
        source = session.scalars(select(Source).where(Source.name == source_name)).one()
        for round_ in range(ROUNDS):
            listing = add_listing(session, source, **_columns(source_name, round_))
            session.commit()
            barrier.wait(timeout=60)  # both listings stored, neither deduplicated
            deduplicate(session, [listing.id])
            session.commit()


def test_two_processes_storing_one_event_make_one_event(pg_schema_url):
    upgrade(get_engine(pg_schema_url))
    with get_sessionmaker(pg_schema_url)() as session:
        add_sources(session, SOURCES)
        session.commit()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=crawl, args=(pg_schema_url, name, barrier)) for name in SOURCES]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with get_sessionmaker(pg_schema_url)() as session:
        per_event = session.execute(select(Listing.event_id, func.count()).group_by(Listing.event_id)).all()
        assert sorted(count for _, count in per_event) == [2] * ROUNDS
        assert None not in {event_id for event_id, _ in per_event}
        assert session.scalar(select(func.count(Event.id))) == ROUNDS  # no orphan event

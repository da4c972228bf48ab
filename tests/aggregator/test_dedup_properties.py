"""Dedup does not depend on the order listings arrive in, and running it again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from aggregator.dedup import deduplicate, rebuild
from aggregator.models import Base, DataVersion
from tests.aggregator.dedup_pairs import DevSet, add_dev_set, clusters, load_dev_set, uids

# Scenarios where listings tie and untie: links, shared OpenAgenda uids, online and placeless
# listings, look-alikes, opposites, acronyms.
DEV = load_dev_set(spacing=timedelta(days=84))
POOL = DevSet(DEV.sources, [DEV.scenarios[n] for n in (0, 2, 4, 7, 9, 10, 13, 14, 19, 20, 44)])
SIZE = len(POOL.listings())


@contextmanager
def database() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _reference() -> set[frozenset[tuple[str, str]]]:
    with database() as session:
        add_dev_set(session, POOL)
        rebuild(session)
        session.commit()
        return clusters(session)


REFERENCE = _reference()


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[int], list[int], set[int]]:
    """An order, batch sizes, and listings edited away and back meanwhile."""
    order = draw(st.permutations(range(SIZE)))
    batches = draw(st.lists(st.integers(1, 6), min_size=1, max_size=SIZE))
    edited = draw(st.sets(st.integers(0, SIZE - 1), max_size=4))
    return list(order), batches, edited


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrivals())
def test_any_arrival_order_gives_the_same_clusters(plan):
    order, batches, edited = plan
    with database() as session:
        listings = list(add_dev_set(session, POOL).values())
        for listing in listings:
            listing.event_id = None
        position = 0
        sizes = iter(batches * SIZE)
        while position < SIZE:
            batch = [listings[i] for i in order[position : position + next(sizes)]]
            position += len(batch)
            deduplicate(session, [listing.id for listing in batch])
            session.commit()
            for listing in batch:
                if listings.index(listing) in edited:
                    original = listing.title
                    listing.title = "Assemblée générale extraordinaire du club de tricot"
                    deduplicate(session, [listing.id])
                    listing.title = original
                    deduplicate(session, [listing.id])
                    session.commit()
        assert clusters(session) == REFERENCE

        # a rebuild keeps clusters and UIDs; running again changes nothing
        before = uids(session)
        rebuild(session)
        session.commit()
        assert uids(session) == before
        version = session.scalar(select(DataVersion.version))
        stats = deduplicate(session, [listing.id for listing in listings])
        session.commit()
        assert (stats.created, stats.merged, stats.updated, stats.absorbed) == (0, 0, 0, 0)
        assert session.scalar(select(DataVersion.version)) == version

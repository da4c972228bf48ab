"""Deleting a source: its runs and listings go; the events they leave are recomputed from their other
sources, or cancelled when nothing is left to show them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from aggregator import clock
from aggregator.db import get_sessionmaker
from aggregator.dedup import deduplicate
from aggregator.dedup.merge import RETIRED_NOTE
from aggregator.models import CrawlRun, DedupBlock, Event, Listing, Source
from aggregator.types import utcnow
from tests.aggregator.dedup_pairs import add_listing, add_sources
from tests.helpers import cli

PARIS = ZoneInfo("Europe/Paris")
SOURCES = {
    "pes21": {"kind": "jsonld", "region": "Bourgogne-Franche-Comté"},
    "mois-ess": {"kind": "openagenda"},
}


def day(offset: int, hour: int) -> datetime:
    moment = clock.now().astimezone(PARIS) + timedelta(days=offset)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def dijon(**columns: Any) -> dict[str, Any]:
    return {
        "city": "Dijon",
        "postcode": "21000",
        "department": "21",
        "region": "Bourgogne-Franche-Comté",
    } | columns


def store_events(db_url: str) -> dict[str, str]:
    """The organizer's workshop the national agenda also shows, a coming and a past event only the
    organizer shows; returns their UIDs by the organizer's titles."""
    with get_sessionmaker(db_url)() as session:
        sources = add_sources(session, SOURCES)
        organizer, national = sources["pes21"], sources["mois-ess"]
        listings = [
            add_listing(session, organizer, **dijon(
                title="Engager sa collectivité dans un projet : mobiliser l'ESS", start=day(30, 14),
                end=day(30, 18), location_name="Maison des associations")),
            add_listing(session, national, **dijon(
                title="Atelier et forum « Engager sa collectivité »", start=day(30, 14),
                address="2 rue des Corroyeurs", raw={"uid": 71011245})),
            add_listing(session, organizer, **dijon(title="Café-DLA : modèle économique", start=day(20, 9))),
            add_listing(session, organizer, **dijon(title="Petit-déjeuner des dirigeants", start=day(-9, 9))),
        ]  # fmt: skip
        deduplicate(session, [listing.id for listing in listings])
        session.add(CrawlRun(source=organizer, status="succeeded", started_at=utcnow()))
        session.commit()
        found = {listing.title: listing.event.uid for listing in listings if listing.event is not None}
        session.execute(update(Event).values(vevent="BEGIN:VEVENT"))  # as the aggregator stores it
        session.commit()
    assert len(set(found.values())) == 3
    return found


def test_deleting_a_source_recomputes_or_cancels_the_events_it_announced(db_url):
    uids = store_events(db_url)
    result = cli("sources", "delete", "pes21", "--yes")
    assert result.exit_code == 0, result.output
    assert "with 3 listings; events: 1 recomputed from their other sources, 1 cancelled" in result.output
    with get_sessionmaker(db_url)() as session:
        events = {e.uid: e for e in session.scalars(select(Event))}
        shared = events[uids["Engager sa collectivité dans un projet : mobiliser l'ESS"]]
        (left,) = shared.listings  # the national agenda's, which now gives the title, times and place
        assert left.source.name == "mois-ess"
        assert (shared.title, shared.end, shared.location_name, shared.address) == (
            "Atelier et forum « Engager sa collectivité »",
            None,
            None,
            "2 rue des Corroyeurs",
        )
        assert (shared.status, shared.sequence) == ("confirmed", 1)
        coming = events[uids["Café-DLA : modèle économique"]]
        assert (coming.status, coming.status_note, coming.sequence) == ("cancelled", RETIRED_NOTE, 1)
        past = events[uids["Petit-déjeuner des dirigeants"]]
        assert (past.status, past.status_note, past.sequence) == ("confirmed", None, 0)
        # Rendered again by the aggregator: they no longer name the deleted source.
        assert all(
            e.vevent and "BEGIN:VEVENT\r\n" in e.vevent and "pes21" not in e.vevent for e in events.values()
        )
        assert session.scalars(select(Source.name)).all() == ["mois-ess"]
        assert session.scalar(select(func.count(CrawlRun.id))) == 0
        assert set(session.scalars(select(DedupBlock.listing_id))) == {left.id}


def test_a_source_being_crawled_or_unknown_is_not_deleted(db_url):
    store_events(db_url)
    with get_sessionmaker(db_url).begin() as session:
        organizer = session.scalars(select(Source).where(Source.name == "pes21")).one()
        session.add(CrawlRun(source=organizer, status="running", started_at=utcnow()))
    running = cli("sources", "delete", "pes21", "--yes")
    assert running.exit_code == 1 and "is running: cancel it first" in running.output
    assert "no source named 'nobody'" in cli("sources", "delete", "nobody", "--yes").output
    with get_sessionmaker(db_url)() as session:
        assert session.scalar(select(func.count(Listing.id))) == 4
        assert {e.status for e in session.scalars(select(Event))} == {"confirmed"}

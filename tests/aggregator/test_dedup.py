"""Dedup on the shared database (SQLite and PostgreSQL): merging, identity, status, corrections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker
from aggregator.dedup import deduplicate, engine, rebuild
from aggregator.dedup.blocking import CROWDED
from aggregator.dedup.corrections import CorrectionError, mark_different, mark_same, separate_listing
from aggregator.dedup.merge import RETIRED_NOTE
from aggregator.models import DataVersion, Event, EventAlias, Listing, Source
from tests.aggregator.dedup_pairs import add_listing, add_sources, clusters, uids
from tests.helpers import cli

PARIS = ZoneInfo("Europe/Paris")
SOURCES = {
    "pes21": {"kind": "jsonld", "region": "Bourgogne-Franche-Comté", "url": "https://pes21.fr/agenda/"},
    "pes21-actus": {"kind": "rss", "region": "Bourgogne-Franche-Comté", "url": "https://pes21.fr/feed"},
    "mois-ess": {"kind": "openagenda"},
    "hdf-ess": {"kind": "html", "region": "Hauts-de-France"},
}


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    with get_sessionmaker(db_url)() as session:
        yield session


@pytest.fixture
def sources(session: Session) -> dict[str, Source]:
    found = add_sources(session, SOURCES)
    session.commit()
    return found


def day(offset: int, hour: int = 14, minute: int = 0) -> datetime:
    """A moment ``offset`` days from now, at a given Paris time."""
    base = datetime.now(PARIS) + timedelta(days=offset)
    return base.replace(hour=hour, minute=minute, second=0, microsecond=0)


def dijon(**columns: Any) -> dict[str, Any]:
    place = {"city": "Dijon", "postcode": "21000", "department": "21", "region": "Bourgogne-Franche-Comté"}
    return {**place, **columns}


def engage_columns(offset: int = 30) -> list[tuple[str, dict[str, Any]]]:
    """One workshop as its organizer, the national agenda and the organizer's news post show it."""
    return [
        (
            "pes21",
            dijon(
                key="https://pes21.fr/evenement/engager",
                title="Engager sa collectivité dans un projet : mobiliser l'ESS",
                description="Un atelier pour les élus.",
                start=day(offset, 14),
                end=day(offset, 18),
                url="https://pes21.fr/evenement/engager",
                location_name="Maison des associations",
            ),
        ),
        (
            "mois-ess",
            dijon(
                key="71011245",
                title="Atelier et forum « Engager sa collectivité »",
                description="Atelier et forum pour les collectivités qui veulent mobiliser l'ESS.",
                start=day(offset, 14),
                address="2 rue des Corroyeurs",
                lat=47.32,
                lon=5.04,
                raw={"uid": 71011245},
            ),
        ),
        (
            "pes21-actus",
            {
                "key": "https://pes21.fr/2026/engager-deuxieme-edition",
                "title": "Mois de l’ESS : « Engager sa collectivité », deuxième édition",
                "start": day(offset, 0).replace(hour=0),
                "all_day": True,
                "region": "Bourgogne-Franche-Comté",
            },
        ),
    ]


def engage(sources: dict[str, Source], session: Session, offset: int = 30) -> list[Listing]:
    return [add_listing(session, sources[name], **columns) for name, columns in engage_columns(offset)]


def dedup(session: Session, listings: list[Listing], **kwargs: Any) -> engine.DedupStats:
    stats = deduplicate(session, [listing.id for listing in listings], **kwargs)
    session.commit()
    return stats


def events(session: Session) -> list[Event]:
    return list(session.scalars(select(Event).order_by(Event.start)))


def touch(listing: Listing, **changes: Any) -> None:
    """What the store does when a source changed a listing."""
    for name, value in changes.items():
        setattr(listing, name, value)
    listing.changed_at = datetime.now(UTC)


def test_one_event_from_three_sources_with_the_best_of_each(session, sources):
    listings = engage(sources, session)
    stats = dedup(session, listings)
    assert stats.created == 1
    (event,) = events(session)
    assert {listing.source.name for listing in event.listings} == {"pes21", "mois-ess", "pes21-actus"}
    assert event.title == "Engager sa collectivité dans un projet : mobiliser l'ESS"  # the organizer's
    assert (event.start, event.end, event.all_day) == (day(30, 14), day(30, 18), False)  # precise time
    assert event.address == "2 rue des Corroyeurs" and event.lat == 47.32  # the most specific place
    assert event.location_name == "Maison des associations"  # filled in from the same place
    assert event.description.startswith("Atelier et forum")  # the longest
    assert event.url == "https://pes21.fr/evenement/engager"
    assert event.uid.endswith("@ess-agenda.fr") and event.sequence == 0


def test_listings_arriving_one_by_one_join_one_event_and_keep_its_uid(session, sources):
    (first, *others) = engage_columns()
    dedup(session, [add_listing(session, sources[first[0]], **first[1])])
    (event,) = events(session)
    uid = event.uid
    for name, columns in reversed(others):
        stats = dedup(session, [add_listing(session, sources[name], **columns)])
        assert stats.merged == 1 and stats.created == 0
    assert [e.uid for e in events(session)] == [uid]
    assert len(events(session)[0].listings) == 3


def test_rebuild_gives_the_same_clusters_and_uids(session, sources):
    engage(sources, session, offset=30)
    lille = {"city": "Lille", "department": "59", "region": "Hauts-de-France"}
    engage_other = add_listing(
        session, sources["hdf-ess"], title="Matinale de l'impact", start=day(31, 9), **lille
    )
    dedup(session, [*session.scalars(select(Listing))])
    before, grouped = uids(session), clusters(session)
    stats = rebuild(session)
    session.commit()
    assert (uids(session), clusters(session)) == (before, grouped)
    assert (stats.created, stats.absorbed, stats.updated) == (0, 0, 0)
    assert engage_other.event_id is not None


def test_dedup_is_idempotent_and_leaves_the_data_version_alone(session, sources):
    listings = engage(sources, session)
    dedup(session, listings)
    version = session.scalar(select(DataVersion.version))
    stats = dedup(session, listings)
    assert (stats.created, stats.merged, stats.updated, stats.absorbed) == (0, 0, 0, 0)
    assert session.scalar(select(DataVersion.version)) == version


def test_merging_events_keeps_the_oldest_uid_and_aliases_the_other(session, sources):
    organizer, national, _ = engage(sources, session)
    touch(national, title="Visite de la recyclerie La Tanière")
    dedup(session, [organizer])
    dedup(session, [national])
    older, younger = sorted(events(session), key=lambda e: (e.created_at, e.uid))
    assert older.id != younger.id
    touch(national, title="Atelier et forum « Engager sa collectivité »")
    stats = dedup(session, [national])
    assert stats.absorbed == 1
    (event,) = events(session)
    assert event.uid == older.uid
    alias = session.get(EventAlias, younger.uid)
    assert alias is not None and alias.event_id == event.id
    assert event.address == "2 rue des Corroyeurs" and event.sequence == 1  # a more precise place


def test_a_split_leaves_the_uid_with_the_oldest_listing(session, sources):
    organizer, national, news = engage(sources, session)
    organizer.first_seen = datetime.now(UTC) - timedelta(days=3)
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    uid = event.uid
    touch(national, title="Visite de la recyclerie La Tanière")
    dedup(session, [national])
    kept = session.scalars(select(Event).where(Event.uid == uid)).one()
    assert {listing.id for listing in kept.listings} == {organizer.id, news.id}
    assert session.get(Listing, national.id).event.uid != uid  # type: ignore[union-attr]


def test_an_event_changed_before_any_feed_rendered_it_still_bumps_the_data_version(session, sources):
    organizer, *_ = engage(sources, session)
    dedup(session, [organizer])
    version = session.scalar(select(DataVersion.version))
    touch(organizer, start=day(30, 15), end=day(30, 18))
    dedup(session, [organizer])
    assert session.scalar(select(DataVersion.version)) == version + 1  # the agenda's lists must notice


def test_sequence_moves_only_when_what_subscribers_see_changes(session, sources):
    organizer, *_ = engage(sources, session)
    dedup(session, [organizer])
    (event,) = events(session)
    event.vevent = "BEGIN:VEVENT..."
    updated = event.updated_at
    session.commit()
    version = session.scalar(select(DataVersion.version))
    touch(organizer, description="Un atelier pour les élus et les agents, avec un programme détaillé : " * 2)
    dedup(session, [organizer])
    assert (event.sequence, event.updated_at, event.vevent) == (0, updated, None)
    assert session.scalar(select(DataVersion.version)) == version + 1  # feeds must notice
    event.vevent = "BEGIN:VEVENT..."
    session.commit()
    touch(organizer, start=day(30, 15), end=day(30, 18))
    dedup(session, [organizer])
    assert event.sequence == 1 and event.updated_at > updated and event.vevent is None
    assert event.start == day(30, 15)


def test_cancelled_by_one_source_unless_another_changed_since(session, sources):
    organizer, national, _ = engage(sources, session)
    touch(national, status="cancelled")
    dedup(session, [organizer, national])
    (event,) = events(session)
    assert event.status == "cancelled"
    # the organizer edits its page later and still shows the event: it stands
    touch(organizer, description="Maintenu ! Un atelier pour les élus.")
    organizer.changed_at = national.changed_at + timedelta(minutes=5)
    dedup(session, [organizer])
    assert event.status == "confirmed" and event.sequence == 1


def test_postponed_event_moves_with_its_uid_and_leaves_no_ghost(session, sources):
    organizer, national, news = engage(sources, session, offset=30)
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    uid = event.uid
    touch(organizer, start=day(37, 14), end=day(37, 18), status="postponed")
    dedup(session, [organizer])
    (event,) = events(session)  # the others still show the old day: no second event
    assert event.uid == uid and event.start == day(37, 14) and event.sequence == 1
    from babel.dates import format_date

    first_day = format_date(day(30).date(), format="d MMMM y", locale="fr")
    assert (event.status, event.status_note) == ("confirmed", f"reporté ; initialement prévu le {first_day}")
    assert len(event.listings) == 3
    touch(national, start=day(37, 14))  # the national agenda catches up
    dedup(session, [national])
    (event,) = events(session)
    assert event.uid == uid and event.start == day(37, 14)
    rebuild(session)
    session.commit()
    assert [e.uid for e in events(session)] == [uid]


def test_an_event_every_source_dropped_is_cancelled_after_two_crawls(session, sources):
    organizer, national, news = engage(sources, session)
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    for listing in (organizer, national, news):
        listing.removed, listing.missed_crawls = True, 1
    dedup(session, [organizer, national, news])
    assert event.status == "confirmed"
    for listing in (organizer, national, news):
        listing.missed_crawls = 2  # the store does not report this as a change
    dedup(session, [])
    assert (event.status, event.status_note) == ("cancelled", RETIRED_NOTE)
    assert session.get(Event, event.id) is not None  # never deleted
    touch(organizer, removed=False, missed_crawls=0)
    dedup(session, [organizer])
    assert (event.status, event.status_note) == ("confirmed", None)


def test_one_source_dropping_an_event_is_not_a_cancellation(session, sources):
    organizer, national, news = engage(sources, session)
    dedup(session, [organizer, national, news])
    national.removed, national.missed_crawls = True, 5
    dedup(session, [national])
    assert events(session)[0].status == "confirmed"
    retiring = session.scalars(engine.retirement_candidates(datetime.now(UTC)))
    assert national.id not in set(retiring)  # nor examined again after every crawl


def test_past_events_are_never_changed_by_crawls(session, sources):
    organizer, national, news = engage(sources, session, offset=30)
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    later = datetime.now(UTC) + timedelta(days=40)
    for listing in (organizer, national, news):
        listing.removed, listing.missed_crawls = True, 3
    touch(organizer, title="Compte rendu de l'atelier Engager sa collectivité")
    dedup(session, [organizer, national, news], now=later)
    assert (event.title, event.status) == (
        "Engager sa collectivité dans un projet : mobiliser l'ESS",
        "confirmed",
    )
    assert len(event.listings) == 3


def test_operators_say_two_events_are_one(session, sources):
    organizer = add_listing(
        session, sources["pes21"], **dijon(title="Café-DLA : modèle économique", start=day(20, 9))
    )
    other = add_listing(
        session, sources["mois-ess"], **dijon(title="Petit-déjeuner des dirigeants", start=day(20, 9))
    )
    dedup(session, [organizer, other])
    first, second = sorted(events(session), key=lambda e: (e.created_at, e.uid))
    mark_same(session, first.uid, second.uid, author="admin")
    session.commit()
    (event,) = events(session)
    assert event.uid == first.uid
    rebuild(session)
    session.commit()
    assert [e.uid for e in events(session)] == [first.uid]
    assert mark_same(session, second.uid, first.uid).absorbed == 0  # an alias still names the event


def test_operators_say_two_listings_are_not_the_same(session, sources):
    organizer, national, news = engage(sources, session)
    dedup(session, [organizer, national, news])
    separate_listing(session, news.id, author="admin")
    session.commit()
    assert len(events(session)) == 2
    rebuild(session)
    session.commit()
    assert len(events(session)) == 2 and news.event_id != organizer.event_id
    first, second = events(session)
    mark_different(session, first.uid, second.uid)  # already apart: stays so
    with pytest.raises(CorrectionError):
        mark_different(session, first.uid, first.uid)
    with pytest.raises(CorrectionError):
        mark_same(session, "nobody@ess-agenda.fr", first.uid)


def stored_fragment(session: Session, event: Event) -> str | None:
    return session.scalar(select(Event.vevent).where(Event.id == event.id))


def test_an_event_a_listing_leaves_no_longer_names_its_source(session, sources):
    organizer, national, news = engage(sources, session)
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    event.vevent = "BEGIN:VEVENT..."
    session.commit()
    separate_listing(session, news.id, author="admin")  # the event's fields stay as they were
    session.commit()
    rendered = stored_fragment(session, event)  # rendered again by the aggregator
    assert news.event_id != event.id and rendered is not None and rendered.startswith("BEGIN:VEVENT\r\n")
    assert sources_of_text(rendered) == sorted({organizer.source.title, national.source.title})


def sources_of_text(vevent: str) -> list[str]:
    """The source titles a VEVENT's description names ("- Title : URL")."""
    text = vevent.replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",")
    return sorted(line[2:].split(" : ")[0] for line in text.split("\n") if line.startswith("- "))


def test_a_correction_renders_the_fragments_of_the_events_it_changed(session, sources):
    organizer, national, news = engage(sources, session)
    touch(news, status="cancelled")
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    assert event.status == "cancelled" and event.vevent is None  # dedup alone renders nothing
    separate_listing(session, news.id, author="admin")
    session.commit()
    rendered = stored_fragment(session, event)
    assert event.status == "confirmed" and rendered is not None and "STATUS:CONFIRMED" in rendered


def test_a_listing_is_compared_with_its_blocks_only(session, sources, monkeypatch):
    for n in range(60):  # other days, other départements
        lille = {"city": "Lille", "department": "59", "region": "Hauts-de-France"}
        add_listing(
            session, sources["hdf-ess"], key=f"o{n}", title=f"Atelier n°{n}", start=day(40 + n % 20), **lille
        )
    organizer, national, news = engage(sources, session)
    dedup(session, [*session.scalars(select(Listing))])
    built = spy_profiles(monkeypatch)
    touch(national, title="Atelier-forum « Engager sa collectivité »")
    dedup(session, [national])
    assert set(built) <= {organizer.id, national.id, news.id}


def spy_profiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the listings dedup profiles from now on."""
    built: list[int] = []
    real = engine.build_profile
    monkeypatch.setattr(
        engine, "build_profile", lambda listing, source: built.append(listing.id) or real(listing, source)
    )
    return built


def test_a_sources_own_listings_in_a_block_are_not_loaded_to_be_vetoed(session, sources, monkeypatch):
    pes21 = sources["pes21"]
    own = [
        add_listing(session, pes21, **dijon(title=f"Atelier n°{n}", start=day(30, 9 + n))) for n in range(5)
    ]
    post = add_listing(session, pes21, raw={"guid": "p1"}, **dijon(title="Le forum", start=day(30, 18)))
    dedup(session, [*own, post])
    built = spy_profiles(monkeypatch)
    new = add_listing(session, pes21, **dijon(title="Atelier n°9", start=day(30, 20)))
    dedup(session, [new])
    # Two entries of one source are two events: only a news post of that source may be the same.
    assert set(built) == {new.id, post.id}


def test_listings_left_unread_are_loaded_for_a_reader_of_another_source(session, sources, monkeypatch):
    organizer, national = (add_listing(session, sources[n], **c) for n, c in engage_columns()[:2])
    other = add_listing(session, sources["pes21"], **dijon(title="Repair café", start=day(30, 10)))
    dedup(session, [*session.scalars(select(Listing))])
    built = spy_profiles(monkeypatch)
    touch(organizer, description="Un atelier pour les élus et les agents.")
    dedup(session, [organizer])
    # Left out while the organizer's listing looked in the block, read for the national agenda's.
    assert {national.id, other.id} <= set(built)
    assert len(events(session)) == 2


def test_cli_dedup(db_url, session, sources):
    listings = engage(sources, session)
    session.commit()
    result = cli("dedup")
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    session.expire_all()
    assert all(session.get(Listing, listing.id).event_id for listing in listings)  # type: ignore[union-attr]
    result = cli("dedup", "--rebuild")
    assert result.exit_code == 0 and "0 created" in result.output


def test_candidate_lookup_uses_the_block_index(sqlite_db):
    with get_sessionmaker(sqlite_db)() as session:
        query = "SELECT listing_id FROM dedup_block WHERE day = '2026-11-26' AND area IN ('21', '?')"
        plan = session.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
    assert any("ix_dedup_block_day_area" in str(row) for row in plan)


def test_a_cancellation_read_after_the_event_still_cancels_it(session, sources):
    organizer, national, _ = engage(sources, session, offset=-3)  # crawled first three days later
    dedup(session, [organizer])  # the organizer's crawl comes first
    touch(national, status="cancelled")
    national.changed_at = organizer.changed_at + timedelta(minutes=1)  # newer than the lagging copy
    dedup(session, [national])
    (event,) = events(session)
    assert event.status == "cancelled"


def test_a_past_events_status_follows_its_sources_and_nothing_else_does(session, sources):
    organizer, national, news = engage(sources, session, offset=30)
    dedup(session, [organizer, national, news])
    (event,) = events(session)
    later = datetime.now(UTC) + timedelta(days=40)
    touch(national, status="cancelled", title="ANNULÉ Atelier et forum « Engager sa collectivité »")
    organizer.removed, organizer.missed_crawls = True, 1  # gone from the organizer's agenda
    dedup(session, [national, organizer], now=later)
    assert (event.title, event.status) == (
        "Engager sa collectivité dans un projet : mobiliser l'ESS",
        "cancelled",
    )


def test_a_crowded_day_compares_a_listing_with_those_sharing_a_rare_word(session, sources, monkeypatch):
    crowd = [
        add_listing(
            session,
            sources["mois-ess"],
            key=f"c{n}",
            **dijon(title=f"Atelier compostage avec Les {host_name(n)}", start=day(30, 9 + n % 10)),
        )
        for n in range(2 * CROWDED)
    ]  # every word but the host's name in every title
    generic = add_listing(
        session, sources["mois-ess"], key="g", **dijon(title="Atelier compostage", start=day(30, 20))
    )
    dedup(session, [*crowd, generic])
    compared: list[tuple[int, int]] = []
    real = engine.compare
    monkeypatch.setattr(engine, "compare", lambda a, b: compared.append((a.id, b.id)) or real(a, b))
    organizer, national, _ = engage(sources, session)
    host = add_listing(
        session, sources["pes21"], **dijon(title="Atelier compostage avec Les Kalomi", start=day(30, 20))
    )
    dedup(session, [organizer, national, host])
    assert organizer.event_id == national.event_id
    assert host.event_id == generic.event_id  # found from the newcomer's side: drawn by its words
    # The newcomers meet each other and the generic listing, not the crowd sharing their common words.
    newcomers = {organizer.id, national.id, host.id}
    met = {b for pair in compared for a, b in (pair, pair[::-1]) if a in newcomers}
    assert met <= {*newcomers, generic.id}


def host_name(n: int) -> str:
    """A made-up name, one for each ``n``: "Tulo", "Tumi"…"""
    syllables = ["lo", "mi", "ra", "tu", "ne", "pi", "so", "ve"]
    return "".join(syllables[int(digit)] for digit in f"{n:o}").capitalize()

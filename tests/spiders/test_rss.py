"""The rss kind, crawled over HTTP: fixture feeds written like ESS newsletters, and the sample sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Row

from tests.spiders.crawled import as_expected, crawled, day_of, expected_samples, last_run, listings

SOURCES = [
    {"name": "pole-ess-lorient", "kind": "rss", "url": "{pole}/pole-ess/feed", "region": "Bretagne"},
    {"name": "ess-bfc-actus", "kind": "rss", "url": "{bfc}/ess-bfc/actualites"},
]
SAMPLE_SOURCES = ("adess-brest-actus", "cress-bretagne", "pes21-actus")

# Posts that announce an event, by the end of their URL: what the listing must say.
ANNOUNCED = {
    "/pole-ess/actualites/voeux-2026/": {
        "start": "2026-01-15T18:00:00+01:00",
        "end": None,
        "all_day": False,
        "location_name": "salle des fêtes",
        "address": "place de la Mairie",
        "postcode": "56860",
        "city": "Séné",
        "status": "confirmed",
    },
    "/pole-ess/actualites/atelier-compost-annule/": {
        "start": "2025-12-06T10:00:00+01:00",
        "end": "2025-12-06T12:00:00+01:00",
        "address": "rue Maurice Thorez",
        "city": "Lorient",
        "status": "cancelled",
    },
    "/pole-ess/actualites/webinaire-france-active/": {
        "start": "2025-12-09T11:00:00+01:00",
        "end": "2025-12-09T12:00:00+01:00",
        "online": True,
        "city": None,
    },
    "/pole-ess/actualites/cafe-rencontre-cooperatives-lorient/": {
        "start": "2025-12-10T18:30:00+01:00",
        "end": "2025-12-10T20:30:00+01:00",
        "location_name": "bar associatif La Grande Ourse",
        "address": "4 place Alsace-Lorraine",
        "city": "Lorient",
        "department": "56",
    },
    "/ess-bfc/actualites/forum-metiers-ess-2026": {
        "title": "Forum des métiers de l’ESS les 3 et 4 février à Besançon",
        "start": "2026-02-03",
        "end": "2026-02-04",
        "all_day": True,
        "location_name": "Kursaal",
        "address": "place du Théâtre",
        "postcode": "25000",
        "city": "Besançon",
        "department": "25",
    },
    "/ess-bfc/actualites/cigales-dole": {
        "start": "2026-02-12T19:00:00+01:00",
        "end": None,
        "location_name": "salle Edgar Faure",
        "city": "Dole",
        "department": "39",
    },
}
# A digest's dates are each judged (no veto by its title).
SEVERAL = "/pole-ess/actualites/agenda-decembre/"
# Posts that announce nothing: a deadline, a past event, a recap, a job offer, the minutes of a meeting.
NOT_ANNOUNCED = (
    "/pole-ess/actualites/prix-innovation-sociale/",
    "/pole-ess/actualites/rencontres-lorient-video/",
    "/pole-ess/actualites/retour-forum-emploi/",
    "/pole-ess/actualites/offre-chargee-communication/",
    "/pole-ess/actualites/appel-fabrique-initiatives/",
    "/ess-bfc/actualites/compte-rendu-ag-2026",
)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sites = {"pole": "rss-pole-ess", "bfc": "rss-atom"}
    with crawled(tmp_path_factory.mktemp("rss"), sites, SOURCES) as url:
        yield url


@pytest.fixture(scope="module")
def fixture_listings(fixture_db: str) -> dict[str, Row[Any]]:
    """Row[Any]s of the fixture feeds by the path of their URL."""
    found = [*listings(fixture_db, "pole-ess-lorient"), *listings(fixture_db, "ess-bfc-actus")]
    return {urlsplit(listing.key).path: listing for listing in found}


def _field(listing: Row[Any], name: str) -> Any:
    if name in ("start", "end", "all_day"):
        return as_expected(listing)[name]
    return getattr(listing, name)


@pytest.mark.parametrize("path", sorted(ANNOUNCED))
def test_announced_event(fixture_listings: dict[str, Row[Any]], path: str) -> None:
    listing = fixture_listings[path]
    for name, value in ANNOUNCED[path].items():
        assert _field(listing, name) == value, name


def test_only_announcements_are_listed(fixture_listings: dict[str, Row[Any]]) -> None:
    paths = set(fixture_listings)
    assert paths == {*ANNOUNCED, SEVERAL}
    assert not paths & set(NOT_ANNOUNCED)


def test_a_digest_is_read_date_by_date(fixture_db: str) -> None:
    found = [row for row in listings(fixture_db, "pole-ess-lorient") if urlsplit(row.key).path == SEVERAL]
    # Each is judged on its own words: the one said with its kind of event and place is kept.
    assert [(row.city, row.all_day) for row in found] == [("Quimperlé", True)]


def test_key_is_the_canonical_post_url(fixture_listings: dict[str, Row[Any]]) -> None:
    listing = fixture_listings["/pole-ess/actualites/voeux-2026/"]
    assert listing.key == listing.url
    assert "utm_" not in listing.key


def test_title_is_the_post_title(fixture_listings: dict[str, Row[Any]]) -> None:
    listing = fixture_listings["/pole-ess/actualites/cafe-rencontre-cooperatives-lorient/"]
    assert listing.title == "Café-rencontre des coopératives à Lorient (56)"
    # Read from the post's page, since the feed holds an excerpt; scripts and the footer are not text.
    assert "La Grande Ourse" in listing.description
    assert "Paris" not in listing.description and "permanence" not in listing.description


def test_feeds_crawled_cleanly(fixture_db: str) -> None:
    for name in ("pole-ess-lorient", "ess-bfc-actus"):
        run = last_run(fixture_db, name)
        assert (run.status, run.error_count) == ("succeeded", 0)


# -- the sample sources --------------------------------------------------------------------------


def _sample_cases() -> list[tuple[str, dict[str, Any]]]:
    events = expected_samples()["events"]
    return [(s, e) for e in events for s in sorted(set(e["listed_on"]) & set(SAMPLE_SOURCES))]


@pytest.mark.parametrize(("source", "event"), _sample_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_sample_event_found_exactly(samples_db: str, source: str, event: dict[str, Any]) -> None:
    titles = {event["title"], *event["title_variants"]}
    [listing] = [
        x
        for x in listings(samples_db, source)
        if x.title in titles and as_expected(x)["start"][:10] == event["start"][:10]
    ]
    got = as_expected(listing)
    if len(event["listed_on"]) == 1 or not got["all_day"]:
        assert {k: got[k] for k in ("start", "end", "all_day")} == {
            k: event[k] for k in ("start", "end", "all_day")
        }
    else:  # the post gives the day; another source gives the hours
        assert day_of(got["start"]) == day_of(event["start"])
    assert (got["city"], got["department"]) == (event["city"], event["department"])
    assert got["postcode"] in (None, event["postcode"])


@pytest.mark.parametrize("source", SAMPLE_SOURCES)
def test_sample_not_events_yield_nothing(samples_db: str, source: str) -> None:
    bad = [n["url"] for n in expected_samples()["not_events"] if n["source"] == source]
    leaked = [x.url for x in listings(samples_db, source) if any(b in (x.url or x.key) for b in bad)]
    assert bad and leaked == []

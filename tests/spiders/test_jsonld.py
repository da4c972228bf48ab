"""The jsonld kind crawled over HTTP: fixture sites with @graph, arrays, microdata, statuses, listings
with their own events, pagination by element and by attribute selectors; and the pes21 sample."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import Request

from aggregator.db import dispose_engine, get_engine
from aggregator.models import CrawlRun, Listing
from aggregator.samples_server import EXPECTED_FILE, serve_sites
from aggregator.schema import upgrade
from spiders.kinds.jsonld import JsonLdSpider
from tests.spiders.crawling import FIXTURES, crawl, fixture_response, listings, make_spider

PARIS = ZoneInfo("Europe/Paris")
SOURCES: list[dict[str, Any]] = [
    {
        "name": "graph",
        "kind": "jsonld",
        "url": "{base}/graph/agenda/",
        "options": {"follow": "a.event-link", "next": "div.pager a.next"},
    },
    {"name": "liste", "kind": "jsonld", "url": "{base}/liste/agenda"},
    {"name": "ancres", "kind": "jsonld", "url": "{base}/ancres/agenda/"},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, CrawlRun]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('jsonld') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with serve_sites(FIXTURES / "jsonld") as base:
        runs = crawl(url, base, SOURCES)
    yield url, base, runs
    dispose_engine(url)


@pytest.fixture(scope="module")
def graph(site: tuple[str, str, dict[str, CrawlRun]]) -> dict[str, Listing]:
    url, base, _ = site
    return {key.removeprefix(f"{base}/graph/evenement/"): row for key, row in listings(url, "graph").items()}


def local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(PARIS).replace(tzinfo=None)


def test_both_listing_pages_are_crawled_with_element_selectors(site, graph):
    run = site[2]["graph"]
    assert run.status == "succeeded", run.errors
    assert sorted(graph) == [
        "annule/",
        "decale/",
        "deux-ateliers/#1",
        "deux-ateliers/#2",
        "en-ligne/",
        "fete/",
        "forum/",
        "reporte/",
        "soiree/",
        "webinaire/",
    ]


def test_keys_and_urls_drop_tracking_parameters(site, graph):
    base = site[1]
    forum = graph["forum/"]
    assert forum.key == forum.url == f"{base}/graph/evenement/forum/"
    assert all("utm_" not in key and "clid" not in key and "pk_" not in key for key in graph)


def test_graph_event_with_references_resolved(graph):
    forum = graph["forum/"]
    assert forum.title == "Forum de l'emploi solidaire"
    assert forum.description == "Premier paragraphe & suite.\n\nSecond paragraphe."
    assert forum.organizer == "Réseau ESS Graphe"
    assert (local(forum.start), local(forum.end), forum.all_day) == (
        datetime(2026, 12, 3, 13, 30),
        datetime(2026, 12, 3, 17, 30),
        False,
    )
    assert (forum.location_name, forum.address, forum.postcode, forum.city, forum.department) == (
        "Maison de quartier",
        "1 rue Sisley",
        "29200",
        "Brest",
        "29",
    )
    assert (forum.lat, forum.lon) == (48.39, -4.49)
    assert forum.image is not None and forum.image.endswith("/graph/images/forum.jpg")
    assert forum.raw["@type"] == "EducationEvent"


def test_several_events_on_one_page_are_told_apart(graph):
    couture, velo = graph["deux-ateliers/#1"], graph["deux-ateliers/#2"]
    assert (couture.title, couture.location_name, couture.address, couture.postcode, couture.city) == (
        "Atelier couture",
        "Salle des fêtes",
        "2 place de la Mairie",
        "29800",
        "Landerneau",
    )
    assert (velo.title, velo.location_name, velo.postcode, velo.city, velo.end) == (
        "Atelier vélo",
        "Garage solidaire",
        "29200",
        "Brest",
        None,
    )


def test_microdata_with_a_virtual_location_is_an_online_event(graph):
    webinar = graph["webinaire/"]
    assert webinar.title == "Webinaire : financer son projet d’ESS"
    assert webinar.online is True
    assert (webinar.city, webinar.postcode, webinar.department, webinar.region) == (None, None, None, None)
    assert local(webinar.end) == datetime(2026, 12, 8, 11, 30)
    assert webinar.description == "Les financements solidaires, en une heure et demie."


def test_event_status_in_every_spelling(graph):
    assert graph["annule/"].status == "cancelled"  # bare "EventCancelled"
    assert graph["reporte/"].status == "postponed"  # http://schema.org/EventPostponed
    moved = graph["en-ligne/"]
    assert (moved.status, moved.online, moved.city) == ("confirmed", True, None)


def test_a_rescheduled_event_happens_at_its_new_date(graph):
    meeting = graph["decale/"]
    assert meeting.status == "confirmed"
    assert local(meeting.start) == datetime(2026, 12, 17, 18)
    assert meeting.raw["previousStartDate"] == "2026-12-01T18:00:00+01:00"


def test_dates_alone_make_an_all_day_event_and_prefixed_keys_are_read(graph):
    fete = graph["fete/"]
    assert fete.title == "Fête de l’ESS"
    assert fete.all_day is True
    assert (fete.local_start.date(), fete.end_date) == (date(2026, 12, 12), date(2026, 12, 13))
    assert (fete.location_name, fete.city) == ("Parc", "Brest")


def test_time_without_offset_is_local_wall_time_and_mixed_attendance_keeps_its_place(graph):
    evening = graph["soiree/"]
    assert (local(evening.start), evening.end) == (datetime(2026, 12, 20, 18), None)
    assert evening.start.utcoffset() is not None
    assert (evening.online, evening.location_name, evening.city) == (False, "Le Lieu-Dit", "Brest")


def test_listing_events_followed_to_their_pages_or_taken_as_listed(site):
    url, base, runs = site
    assert runs["liste"].status == "succeeded", runs["liste"].errors
    found = listings(url, "liste")
    concert = found[f"{base}/liste/e/concert.html"]
    assert (local(concert.end), concert.location_name) == (datetime(2026, 12, 4, 23), "L’Antipode")
    repair = found[f"{base}/liste/e/sans-donnees.html"]  # its page carries no data: the listing's
    assert (local(repair.start), local(repair.end), repair.city) == (
        datetime(2026, 12, 9, 14),
        datetime(2026, 12, 9, 17),
        "Rennes",
    )
    salon = found["https://billetterie.example/salon"]  # another site: taken from the listing
    assert (salon.all_day, salon.local_start.date(), salon.postcode) == (True, date(2026, 12, 13), "35200")
    walk = found[f"{base}/liste/agenda?page=2"]  # reached through <link rel="next">
    assert (walk.title, walk.city) == ("Balade nature", "Cesson-Sévigné")
    assert len(found) == 4


def test_without_options_content_links_are_followed_but_not_menus_or_files(site):
    url, base, runs = site
    assert runs["ancres"].status == "succeeded", runs["ancres"].errors
    assert list(listings(url, "ancres")) == [f"{base}/ancres/e/a.html"]


def test_a_listing_without_events_yields_nothing():
    spider = make_spider(JsonLdSpider)
    response = fixture_response("jsonld/vide/agenda.html", "http://127.0.0.1/vide/agenda", "text/html")
    assert list(spider.parse(response)) == []
    assert spider.crawl_errors == []


def test_an_invalid_selector_stops_the_crawl_with_a_clear_error():
    spider = make_spider(JsonLdSpider, options={"follow": "a.event["})
    assert asyncio.run(requests_of(spider)) == []
    assert len(spider.crawl_errors) == 1
    assert "option 'follow'" in spider.crawl_errors[0] and "a.event[" in spider.crawl_errors[0]


async def requests_of(spider: JsonLdSpider) -> list[Request]:
    return [request async for request in spider.start()]


# -- the pes21 sample -------------------------------------------------------------------------


def expected_events(source: str) -> list[dict[str, Any]]:
    data = json.loads(Path(EXPECTED_FILE).read_text(encoding="utf-8"))
    return [event for event in data["events"] if source in event["listed_on"]]


def matching(listing: Listing, expected: list[dict[str, Any]]) -> dict[str, Any] | None:
    for event in expected:
        if listing.title in (event["title"], *event["title_variants"]):
            return event
    return None


def exact(listing: Listing, event: dict[str, Any]) -> bool:
    """Start, end, all-day flag, city and postcode exactly as expected.json has them."""
    zone = ZoneInfo(event["timezone"])

    def moment(value: datetime | None) -> str | None:
        if value is None:
            return None
        value = value.astimezone(zone)
        return value.date().isoformat() if listing.all_day else value.isoformat()

    return (moment(listing.start), moment(listing.end), listing.all_day, listing.city, listing.postcode) == (
        event["start"],
        event["end"],
        event["all_day"],
        event["city"],
        event["postcode"],
    )


def test_pes21_sample_yields_exactly_its_expected_events(samples_db):
    expected = expected_events("pes21")
    found = listings(samples_db, "pes21")
    matched = {listing.title: matching(listing, expected) for listing in found.values()}
    assert None not in matched.values(), [title for title, event in matched.items() if event is None]
    assert len(found) == len(expected) == 6
    assert all(exact(listing, matched[listing.title]) for listing in found.values())  # type: ignore[arg-type]

"""The tribe kind: The Events Calendar's REST API, paged, with its quirks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import Request

from aggregator.db import dispose_engine, get_engine
from aggregator.samples_server import serve_sites
from aggregator.schema import upgrade
from spiders.kinds.tribe import TribeSpider
from tests.spiders.crawling import FIXTURES, crawl, fixture_response, items_of, listings, make_spider

API = "http://127.0.0.1/asso/wp-json/tribe/events/v1/events"
JSON = "application/json; charset=utf-8"


def parse_page(name: str, **options: str) -> list:
    spider = make_spider(TribeSpider, options=options)
    response = fixture_response(f"tribe/asso/wp-json/tribe/events/v1/{name}", API, JSON)
    return list(spider.parse(response))


@pytest.fixture(scope="module")
def events() -> dict[str, dict]:
    items = items_of(parse_page("events.json")) + items_of(parse_page("events@page=2.json"))
    return {item["key"]: item for item in items}


def test_next_rest_url_is_followed():
    requests = [r for r in parse_page("events.json") if isinstance(r, Request)]
    assert [r.url for r in requests] == [f"{API}?page=2"]
    assert not [r for r in parse_page("events@page=2.json") if isinstance(r, Request)]


def test_post_id_is_the_key_and_local_times_are_read_in_the_stated_zone(events):
    forum = events["901"]
    assert (forum["start"], forum["end"]) == (datetime(2026, 12, 3, 13, 30), datetime(2026, 12, 3, 17, 30))
    assert (forum["timezone"], forum["all_day"]) == ("Europe/Paris", False)


def test_an_offset_zone_falls_back_to_utc_times(events):
    webinar = events["903"]
    assert webinar["start"] == datetime(2026, 12, 8, 9, tzinfo=UTC)
    assert webinar["timezone"] is None


def test_an_offset_zone_gives_way_to_the_source_s_zone():
    # "UTC+1" here, "UTC+0" on real sites whose wall-clock times are those of the agency's city.
    items = items_of(parse_page("events@page=2.json", timezone="America/New_York"))
    webinar = next(item for item in items if item["key"] == "903")
    assert (webinar["start"], webinar["timezone"]) == (datetime(2026, 12, 8, 10), "America/New_York")


def test_all_day_events_end_on_their_last_day(events):
    fete = events["902"]
    assert (fete["start"], fete["end"], fete["all_day"]) == (date(2026, 12, 12), date(2026, 12, 13), True)


def test_venue_organizers_categories_image(events):
    forum = events["901"]
    assert (forum["location_name"], forum["address"], forum["postcode"], forum["city"]) == (
        "Maison de quartier",
        "1 rue Sisley",
        "29200",
        "Brest",
    )
    assert (forum["lat"], forum["lon"]) == (48.4, -4.5)
    assert forum["organizer"] == "ADESS, Pôle emploi"
    assert forum["categories"] == ["Forum", "Emploi"]
    assert forum["image"] == "http://127.0.0.1/asso/wp-content/uploads/forum.jpg"
    assert forum["url"] == "http://127.0.0.1/asso/evenement/forum/"


def test_empty_venue_fields_are_left_out(events):
    assert events["902"]["location_name"] is None and events["902"]["city"] is None
    webinar = events["903"]
    assert (webinar["location_name"], webinar["postcode"], webinar["city"]) == (None, None, "Quimper")


def test_cancellation_in_the_title(events):
    assert events["903"]["status"] == "cancelled"
    assert events["901"]["status"] == "confirmed"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('tribe') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    api = "{base}/asso/wp-json/tribe/events/v1/events"
    with serve_sites(FIXTURES / "tribe") as base:
        runs = crawl(
            url,
            base,
            [
                {"name": "asso", "kind": "tribe", "url": api},
                {"name": "asso-capped", "kind": "tribe", "url": api, "options": {"max_pages": 1}},
            ],
        )
    yield url, runs
    dispose_engine(url)


def test_crawled_over_http_with_clean_text(crawled):
    url, runs = crawled
    assert runs["asso"].status == "succeeded", runs["asso"].errors
    assert (runs["asso"].pages, runs["asso"].listings_new) == (2, 3)
    forum = listings(url, "asso")["901"]
    assert forum.title == "Forum de l’emploi & de la formation"
    assert forum.description == "Premier paragraphe : employeurs de l’ESS.\n\nSecond paragraphe."
    assert forum.local_start == datetime(2026, 12, 3, 13, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert forum.department == "29"


def test_page_cap_from_options_makes_a_partial_run(crawled):
    _, runs = crawled
    capped = runs["asso-capped"]
    assert capped.status == "partial"
    assert (capped.pages, capped.listings_new, capped.listings_removed) == (1, 2, 0)

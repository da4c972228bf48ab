"""The openagenda kind: v2 exports, cursor paging, one listing per timing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import Request
from sqlalchemy import select

from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.models import CrawlRun, Event
from aggregator.samples_server import SITES, serve_sites
from aggregator.schema import upgrade
from spiders.kinds.openagenda import OpenAgendaSpider
from tests.spiders.crawling import FIXTURES, crawl, fixture_response, items_of, listings, make_spider

API = "http://127.0.0.1/oa/v2/agendas/123/events"
JSON = "application/json; charset=utf-8"
PARIS = ZoneInfo("Europe/Paris")


def parse_page(name: str, url: str = API) -> list:
    spider = make_spider(OpenAgendaSpider)
    return list(spider.parse(fixture_response(f"openagenda/oa/v2/agendas/123/{name}", url, JSON)))


@pytest.fixture(scope="module")
def events() -> dict[str, dict]:
    items = [
        *items_of(parse_page("events.json")),
        *items_of(parse_page("events@after=Y3Vyc29yMQ.json")),
        *items_of(parse_page("events@after%5B%5D=1796562000000&after%5B%5D=5004.json")),
    ]
    return {item["key"]: item for item in items}


def test_after_cursor_pages_are_followed():
    first = [r.url for r in parse_page("events.json") if isinstance(r, Request)]
    assert first == [f"{API}?after=Y3Vyc29yMQ"]
    second = [r.url for r in parse_page("events@after=Y3Vyc29yMQ.json", first[0]) if isinstance(r, Request)]
    assert second[-1] == f"{API}?after%5B%5D=1796562000000&after%5B%5D=5004"
    last = parse_page("events@after%5B%5D=1796562000000&after%5B%5D=5004.json", second[-1])
    assert not [r for r in last if isinstance(r, Request)]


def test_one_listing_per_timing_keyed_by_uid_and_start(events):
    """Several timings: each keyed by its start too; one timing: by the uid alone."""
    cycle = [item for key, item in events.items() if key.startswith("5001#")]
    assert sorted(i["key"] for i in cycle) == ["5001#20261201T080000Z", "5001#20261208T080000Z"]
    assert sorted(i["start"] for i in cycle) == [
        datetime(2026, 12, 1, 9, tzinfo=PARIS),
        datetime(2026, 12, 8, 9, tzinfo=PARIS),
    ]
    assert all(i["raw"]["uid"] == 5001 and "timings" not in i["raw"] for i in cycle)
    assert "5002" in events and not any(key.startswith("5002#") for key in events)


def test_fields_of_a_located_event(events):
    cycle = events["5001#20261201T080000Z"]
    assert cycle["title"] == "Cycle « Coopérer »"
    assert "<strong>la CRESS</strong>" in cycle["description"]  # Markdown rendered for the cleaner
    assert (cycle["location_name"], cycle["postcode"], cycle["city"], cycle["insee"]) == (
        "Maison de l'ESS",
        "35000",
        "Rennes",
        "35238",
    )
    assert (cycle["region"], cycle["department"]) == ("Bretagne", "Ille-et-Vilaine")
    assert (cycle["lat"], cycle["lon"], cycle["timezone"]) == (48.11, -1.68, "Europe/Paris")
    assert cycle["categories"] == ["coopération", "ESS"]
    assert cycle["url"] == "https://cress.example/cycle"  # the organizer's own page
    assert cycle["image"] == "https://cdn.example/cycle.jpg"


def test_online_attendance_has_no_place(events):
    webinar = events["5002"]
    assert webinar["online"] is True and webinar.get("city") is None
    assert webinar["title"] == "Funding webinar"  # no French title: any language given
    assert webinar["url"] == "https://openagenda.com/agenda-ess/events/webinaire-finance"


def test_older_region_and_department_fields(events):
    forum = events["5003"]
    assert (forum["region"], forum["department"]) == ("Bretagne", "Côtes-d'Armor")


def test_status_codes(events):
    assert events["5003"]["status"] == "postponed"
    assert events["5004"]["status"] == "cancelled"
    assert events["5005"]["status"] == "confirmed"  # full, still taking place
    assert events["5005"]["title"] == "Atelier compost"  # monolingual export


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('openagenda') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with serve_sites(FIXTURES / "openagenda") as fixtures, serve_sites(SITES) as samples:
        sources = [
            {"name": "oa", "kind": "openagenda", "url": f"{fixtures}/oa/v2/agendas/123/events"},
            {
                "name": "mois-ess",
                "kind": "openagenda",
                "url": f"{samples}/mois-ess/v2/agendas/48213457/events",
            },
        ]
        runs = crawl(url, "", sources)
    yield url, runs
    dispose_engine(url)


def test_crawled_over_http(crawled):
    url, runs = crawled
    assert runs["oa"].status == "succeeded", runs["oa"].errors
    assert (runs["oa"].pages, runs["oa"].listings_new) == (3, 6)
    stored = listings(url, "oa")
    assert stored["5003"].department == "22"
    visit = stored["5004"]
    assert (visit.timezone, visit.local_start.hour, visit.department) == ("Indian/Reunion", 10, "974")
    webinar = stored["5002"]
    assert webinar.online and webinar.city is None and webinar.region is None


def test_the_sample_export(crawled):
    url, runs = crawled
    assert runs["mois-ess"].status == "succeeded", runs["mois-ess"].errors
    stored = {listing.title: listing for listing in listings(url, "mois-ess").values()}
    assert len(stored) == 12
    village = stored["Village de l'ESS de Guadeloupe"]
    assert (village.timezone, village.department, village.region) == (
        "America/Guadeloupe",
        "971",
        "Guadeloupe",
    )
    assert stored["Forum ESS et emploi – Pays de Brest"].status == "cancelled"


@pytest.fixture(scope="module")
def rescheduled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, CrawlRun]]:
    """An agenda whose only event was rescheduled (status 2) to 17 December, crawled over HTTP."""
    url = f"sqlite:///{tmp_path_factory.mktemp('openagenda-report') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with serve_sites(FIXTURES / "openagenda") as fixtures:
        export = {"name": "habitat", "kind": "openagenda", "url": f"{fixtures}/report/v2/agendas/456/events"}
        run = crawl(url, "", [export])["habitat"]
    yield url, run
    dispose_engine(url)


def test_a_rescheduled_event_is_confirmed_at_its_new_date(rescheduled):
    url, run = rescheduled
    assert run.status == "succeeded", run.errors
    new_date = datetime(2026, 12, 17, 18, tzinfo=PARIS)
    (listing,) = listings(url, "habitat").values()
    assert (listing.status, listing.local_start) == ("confirmed", new_date)
    with get_sessionmaker(url)() as session:
        (event,) = session.scalars(select(Event))
        assert (event.status, event.start, event.status_note) == ("confirmed", new_date, None)


def test_an_event_crawled_before_its_rescheduling_moves_with_it(tmp_path):
    """Crawled for 10 December, then rescheduled (status 2) to 17 December: one event, same UID."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(get_engine(url))
    uids = []
    try:
        with serve_sites(FIXTURES / "openagenda") as fixtures:
            for export in ("planned", "report"):
                source = {
                    "name": "habitat",
                    "kind": "openagenda",
                    "url": f"{fixtures}/{export}/v2/agendas/456/events",
                }
                run = crawl(url, "", [source])["habitat"]
                assert run.status == "succeeded", run.errors
                with get_sessionmaker(url)() as session:
                    uids.append([event.uid for event in session.scalars(select(Event))])
        with get_sessionmaker(url)() as session:
            (event,) = session.scalars(select(Event))
            assert (event.status, event.start) == ("confirmed", datetime(2026, 12, 17, 18, tzinfo=PARIS))
            assert event.status_note == "reporté ; initialement prévu le 10 décembre 2026"
        assert uids[0] == uids[1] == [event.uid]
    finally:
        dispose_engine(url)

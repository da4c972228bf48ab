"""The ical kind: Outlook, Google and Tribe exports; zones, recurrences, stable keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aggregator import clock
from aggregator.db import dispose_engine, get_engine
from aggregator.samples_server import serve_sites
from aggregator.schema import upgrade
from spiders.kinds.ical import IcalSpider, iana_zone
from tests.spiders.crawling import FIXTURES, crawl, fixture_response, items_of, listings, make_spider

PARIS = ZoneInfo("Europe/Paris")
CALENDAR = "text/calendar; charset=utf-8"


def parse(relative: str, url: str = "http://127.0.0.1/agenda.ics", **settings: int) -> list[dict]:
    spider = make_spider(IcalSpider, settings)
    return items_of(spider.parse(fixture_response(f"ical/{relative}", url, CALENDAR)))


@pytest.fixture(scope="module")
def outlook() -> dict[str, dict]:
    return {item["title"]: item for item in parse("outlook/calendar.ics", ESS_RECURRENCE_PAST_DAYS=3650)}


def test_windows_zone_names_become_iana():
    assert iana_zone("Romance Standard Time") == "Europe/Paris"
    assert iana_zone("Europe/Paris") == "Europe/Paris"
    assert iana_zone("Heure de Paris") is None


def test_outlook_series_is_expanded_with_exdate_rdate_and_a_moved_occurrence():
    items = parse("outlook/calendar.ics", ESS_RECURRENCE_PAST_DAYS=3650)
    starts = sorted(i["start"] for i in items if i["title"].startswith("Permanence"))
    assert starts == [
        datetime(2026, 11, 4, 14, tzinfo=PARIS),
        datetime(2026, 11, 18, 14, tzinfo=PARIS),
        datetime(2026, 11, 26, 15, tzinfo=PARIS),  # moved from Wednesday 25th
        datetime(2026, 12, 2, 14, tzinfo=PARIS),
        datetime(2026, 12, 9, 14, tzinfo=PARIS),
        datetime(2026, 12, 12, 10, tzinfo=PARIS),  # RDATE
    ]
    assert all(isinstance(s.tzinfo, ZoneInfo) and s.tzinfo.key == "Europe/Paris" for s in starts)


def test_each_occurrence_is_keyed_by_uid_and_recurrence_id():
    items = parse("outlook/calendar.ics", ESS_RECURRENCE_PAST_DAYS=3650)
    keys = {i["key"] for i in items if i["title"].startswith("Permanence")}
    uid = "040000008200E00074C5B7101A82E00800000000permanence"
    assert f"{uid}#20261125T130000Z" in keys  # the moved one keeps its original slot
    assert len(keys) == 6 and all(k.startswith(f"{uid}#") for k in keys)


def test_outlook_fields(outlook):
    moved = outlook["Permanence création d'activité (déplacée au jeudi)"]
    assert moved["timezone"] == "Europe/Paris"
    assert moved["location_name"] == "Maison de l'ESS, 12 rue Gambetta, 35000 Rennes"
    assert outlook["Afterwork des coopérateurs"]["status"] == "cancelled"
    first = next(v for k, v in outlook.items() if k == "Permanence création d'activité")
    assert first["organizer"] == "CAE Rennes"
    assert first["categories"] == ["Permanence", "Accompagnement"]


def test_multi_day_all_day_event_ends_on_its_last_day(outlook):
    salon = outlook["Salon des entreprises coopératives"]
    assert (salon["start"], salon["end"], salon["all_day"]) == (date(2026, 12, 5), date(2026, 12, 7), True)
    assert salon["key"] == "040000008200E00074C5B7101A82E00800000000salon"
    assert salon["url"] == "https://cae-rennes.example/salon-2026"


def test_x_wr_timezone_turns_utc_times_into_local_ones():
    items = {i["title"]: i for i in parse("google/agenda.ics")}
    breakfast = items["Petit-déjeuner des coopératives"]
    assert breakfast["start"] == datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Indian/Reunion"))
    assert breakfast["timezone"] == "Indian/Reunion"
    market = items["Marché solidaire"]
    assert (market["start"], market["end"], market["timezone"]) == (
        date(2026, 12, 19),
        date(2026, 12, 19),
        "Indian/Reunion",
    )


def test_no_zone_is_invented_where_the_feed_states_none():
    items = {i["title"]: i for i in parse("floating/agenda.ics")}
    floating = items["Atelier « Créer sa coopérative »"]
    assert floating["start"] == datetime(2026, 12, 2, 14) and floating["timezone"] is None
    assert items["Café des bénévoles"]["timezone"] is None


def test_an_endless_series_stops_at_the_horizon():
    items = parse("weekly/agenda.ics", ESS_RECURRENCE_HORIZON_DAYS=60, ESS_RECURRENCE_PAST_DAYS=0)
    today = clock.today()
    saturdays = [today + timedelta(days=d) for d in range(61) if (today + timedelta(days=d)).weekday() == 5]
    assert sorted(i["start"].date() for i in items) == saturdays


def test_tribe_uids_are_replaced_by_the_event_url():
    items = parse("tribe-v1/agenda.ics", url="http://127.0.0.1/tiers-lieu/agenda?ical=1")
    keys = sorted(i["key"] for i in items)
    assert keys == [
        "http://127.0.0.1/tiers-lieu/evenement/atelier-velo/",
        "http://127.0.0.1/tiers-lieu/evenement/permanence/#2026-11-30",
        "http://127.0.0.1/tiers-lieu/evenement/permanence/#2026-12-07",
        "http://127.0.0.1/tiers-lieu/evenement/permanence/#2026-12-14",
    ]


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """Crawls over HTTP: an Outlook feed, and a Tribe export crawled before and after a reschedule."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ical') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with serve_sites(FIXTURES / "ical") as base:
        first = crawl(
            url,
            base,
            [
                {"name": "outlook", "kind": "ical", "url": "{base}/outlook/calendar.ics"},
                {"name": "tiers-lieu", "kind": "ical", "url": "{base}/tribe-v1/agenda.ics"},
            ],
        )
        second = crawl(
            url, base, [{"name": "tiers-lieu", "kind": "ical", "url": "{base}/tribe-v2/agenda.ics"}]
        )
    yield url, {"first": first, "second": second}
    dispose_engine(url)


def test_crawled_over_http_into_listings(recrawled):
    url, runs = recrawled
    outlook = runs["first"]["outlook"]
    assert outlook.status == "succeeded", outlook.errors
    stored = listings(url, "outlook")
    assert len(stored) == outlook.listings_new >= 4
    salon = stored["040000008200E00074C5B7101A82E00800000000salon"]
    assert (salon.start_date, salon.end_date, salon.all_day) == (date(2026, 12, 5), date(2026, 12, 7), True)
    assert (salon.city, salon.postcode, salon.department) == ("Rennes", "35000", "35")


def test_a_rescheduled_tribe_export_event_is_updated_not_replaced(recrawled):
    url, runs = recrawled
    second = runs["second"]["tiers-lieu"]
    assert second.status == "succeeded", second.errors
    assert (second.listings_new, second.listings_updated, second.listings_removed) == (0, 1, 0)
    stored = listings(url, "tiers-lieu")
    atelier = next(listing for key, listing in stored.items() if key.endswith("/atelier-velo/"))
    assert atelier.local_start == datetime(2026, 12, 6, 14, tzinfo=PARIS)
    assert len(stored) == 4

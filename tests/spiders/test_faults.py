"""The fault corpus: each bad input ends as an error or a rejected item on its crawl run — never a
crash, never garbage in the database — and the crawl's other items are still stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from aggregator.db import dispose_engine, get_engine
from aggregator.models import CrawlRun
from aggregator.schema import upgrade
from tests.spiders.crawling import crawl, listings
from tests.spiders.faultsite import serve_faults

AGENDA_OPTIONS = {
    "item": "div.evenement",
    "title": "h3 a::text",
    "date": "p.date",
    "time": "p.heure",
    "location": "p.lieu",
    "link": "h3 a",
}
AGENDA = {"options": AGENDA_OPTIONS}
ALWAYS = {"fetch_posts": "always"}
FAST_FAIL = {"settings": {"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0}}
SOURCES = [
    {"name": "http-500", "kind": "tribe", "url": "{base}/error/500"},
    {"name": "timeout", "kind": "tribe", "url": "{base}/slow/events", "options": FAST_FAIL},
    {"name": "huge", "kind": "ical", "url": "{base}/huge.ics"},
    {"name": "huge-chunked", "kind": "ical", "url": "{base}/huge-chunked.ics"},
    {"name": "tribe-faults", "kind": "tribe", "url": "{base}/tribe/events"},
    {"name": "ical-faults", "kind": "ical", "url": "{base}/ical/bad-events.ics"},
    {"name": "truncated", "kind": "ical", "url": "{base}/ical/truncated.ics"},
    {"name": "wrong-charset", "kind": "ical", "url": "{base}/ical/cp1252.ics"},
    {"name": "no-charset", "kind": "ical", "url": "{base}/ical/cp1252-undeclared.ics"},
    {"name": "meta-charset", "kind": "jsonld", "url": "{base}/html/fete.html"},
    {"name": "robots", "kind": "ical", "url": "{base}/private/feed.ics"},
    {"name": "long-url", "kind": "ical", "url": "{base}/ical/bad-events.ics?q=" + "x" * 2100},
    *(
        {"name": f"html-{page}", "kind": "html", "url": f"{{base}}/html/agenda-{page}.html", **AGENDA}
        for page in ("cp1252", "undeclared", "utf8")
    ),
    {"name": "rss-cp1252", "kind": "rss", "url": "{base}/rss/cp1252.xml", "options": ALWAYS},
    {"name": "two-tzids", "kind": "ical", "url": "{base}/ical/two-tzids.ics"},
    {
        "name": "undefined-tzids",
        "kind": "ical",
        "url": "{base}/ical/undefined-tzids.ics",
        "region": "La Réunion",
    },
    {
        "name": "minutely",
        "kind": "ical",
        "url": "{base}/ical/minutely.ics",
        "options": {"max_occurrences": 30},
    },
    {"name": "loose-dates", "kind": "jsonld", "url": "{base}/html/dates/"},
    {"name": "over-cap", "kind": "ical", "url": "{base}/ical/two-tzids.ics", "options": {"max_events": 2}},
]


@dataclass
class Crawled:
    url: str  # the database
    base: str  # the fault site
    runs: dict[str, CrawlRun]
    requests: list[tuple[str, str]]  # (path, User-Agent) as the site got them


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with serve_faults() as (base, requests):
        runs = crawl(url, base, SOURCES)
    yield Crawled(url, base, runs, requests)
    dispose_engine(url)


def titles(url: str, source: str) -> list[str]:
    return sorted(listing.title for listing in listings(url, source).values())


def test_a_request_dropped_for_its_url_length_is_named_on_the_run(faults):
    run = faults.runs["long-url"]
    assert (run.status, run.pages, run.error_count) == ("failed", 0, 1)
    assert run.errors[0].startswith(f"{faults.base}/ical/bad-events.ics?q=xxx")
    assert run.errors[0].endswith("not requested: its URL is longer than 2083 characters")


def test_http_500_is_retried_then_recorded(faults):
    run = faults.runs["http-500"]
    assert (run.status, run.errors) == ("failed", [f"{faults.base}/error/500: HTTP 500"])
    assert [path for path, _ in faults.requests].count("/error/500") == 3  # initial request + 2 retries


def test_a_timeout_is_recorded(faults):
    run = faults.runs["timeout"]
    assert run.status == "failed"
    assert len(run.errors) == 1 and "DownloadTimeoutError" in run.errors[0]


@pytest.mark.parametrize("source", ["huge", "huge-chunked"])
def test_a_20_mb_response_is_cut_at_the_size_cap(faults, source):
    run = faults.runs[source]
    assert run.status == "failed" and run.listings_found == 0
    assert len(run.errors) == 1 and "DownloadCancelledError" in run.errors[0]
    assert "download max size" in run.errors[0]


def test_invalid_json_and_impossible_events_in_a_tribe_feed(faults):
    url, runs = faults.url, faults.runs
    run = runs["tribe-faults"]
    assert run.status == "partial"  # page 2 unreadable: nothing may be marked removed
    assert any("events?page=2: invalid JSON" in e for e in run.errors)
    rejected = [e for e in run.errors if e.startswith("rejected: ")]
    assert len(rejected) == 3
    assert any("no readable start date" in e and "31 février" in e for e in rejected)
    assert any("before start" in e for e in rejected)
    assert any("9999" in e for e in rejected)
    assert titles(url, "tribe-faults") == [
        "Apéro solidaire",
        "Atelier couture",
        "Atelier vélo",
        "Repair café",
    ]


def test_impossible_events_in_an_ical_feed(faults):
    url, runs = faults.url, faults.runs
    run = runs["ical-faults"]
    assert (run.status, run.error_count) == ("succeeded", 3)
    assert all(e.startswith("rejected: ") for e in run.errors)
    assert titles(url, "ical-faults") == ["Atelier couture", "Atelier vélo"]


def test_no_markup_reaches_the_database(faults):
    url = faults.url
    stored = [*listings(url, "tribe-faults").values(), *listings(url, "ical-faults").values()]
    assert stored and not any("<" in f"{listing.title}{listing.description}" for listing in stored)


def test_entity_encoded_markup_is_stripped_as_well(faults):
    repair = next(x for x in listings(faults.url, "tribe-faults").values() if x.title == "Repair café")
    assert repair.description == "Réparation gratuite."


def test_split_emoji_halves_are_dropped_and_their_event_kept(faults):
    apero = next(x for x in listings(faults.url, "tribe-faults").values() if x.title == "Apéro solidaire")
    assert apero.description == "Un emoji coupé : fin."
    assert (apero.location_name, apero.organizer, apero.city) == ("Bar", "Collectif", "Brest")
    assert "\ud83d" not in apero.key and apero.url and "\ud83d" not in apero.url


def test_a_truncated_ical_feed_keeps_its_complete_events(faults):
    url, runs = faults.url, faults.runs
    run = runs["truncated"]
    assert run.status == "partial" and any("truncated iCalendar feed" in e for e in run.errors)
    assert titles(url, "truncated") == ["Deuxième rencontre", "Première rencontre"]


@pytest.mark.parametrize("source", ["wrong-charset", "no-charset"])
def test_windows_1252_bytes_are_read_right(faults, source):
    url, runs = faults.url, faults.runs
    assert runs[source].status == "succeeded", runs[source].errors
    (listing,) = listings(url, source).values()
    assert listing.title == "Atelier réparation : vélos & électroménager"
    assert listing.city == "Brest"


def test_a_wrong_charset_is_noted_on_the_run(faults):
    run = faults.runs["wrong-charset"]
    assert [e for e in run.errors if e.startswith("warning: ")] == [
        f"warning: {faults.base}/ical/cp1252.ics: the bytes contradict the declared charset utf-8;"
        " read as windows-1252"
    ]


@pytest.mark.parametrize(
    ("source", "note"),
    [
        ("html-cp1252", "/html/agenda-cp1252.html: the bytes contradict the declared charset utf-8;"),
        ("html-undeclared", None),  # read as windows-1252 from the start, as a browser would
        ("html-utf8", "/html/agenda-utf8.html: the bytes contradict the declared charset cp1252;"),
        ("rss-cp1252", "/rss/post-cp1252.html: the bytes contradict the declared charset utf-8;"),
    ],
)
def test_pages_and_feeds_in_a_wrong_charset_keep_their_accents_and_hours(faults, source, note):
    run = faults.runs[source]
    assert run.status == "succeeded", run.errors
    (listing,) = listings(faults.url, source).values()
    assert listing.title.startswith("Atelier réparation de vélos")
    assert (listing.local_start.hour, listing.city) == (14, "Brest")
    warnings = [e for e in run.errors if e.startswith("warning: ")]
    assert any(note in w for w in warnings) if note else warnings == []


def test_a_charset_declared_only_in_a_meta_tag(faults):
    url, runs = faults.url, faults.runs
    assert runs["meta-charset"].status == "succeeded", runs["meta-charset"].errors
    assert titles(url, "meta-charset") == ["Fête de l'économie solidaire"]


def test_robots_txt_is_obeyed(faults):
    run = faults.runs["robots"]
    assert run.status == "failed" and "robots.txt" in run.errors[0]
    assert "/private/feed.ics" not in [path for path, _ in faults.requests]


def test_every_request_names_ess_agenda_and_its_contact(faults):
    agents = {agent for _, agent in faults.requests}
    assert agents and all("ESS Agenda" in agent and "+https://" in agent for agent in agents)


def test_a_vtimezone_icalendar_cannot_read_loses_only_itself(faults):
    run = faults.runs["two-tzids"]
    base = faults.base
    assert run.status == "succeeded"  # the feed was read; one event in it was not
    assert titles(faults.url, "two-tzids") == [
        "Atelier comptabilité",
        "Conseil d'administration",
        "Marché de Noël solidaire",  # its broken GEO alone is left out
    ]
    assert run.error_count == 1
    assert (
        f"rejected: {base}/ical/two-tzids.ics: 'Réunion sans date': unusable dates (No DTSTART given.)"
        in run.errors
    )
    warnings = [e for e in run.errors if e.startswith("warning: ")]
    assert any("broken VTIMEZONE (Europe/Paris, Europe/Brussels) dropped" in w for w in warnings)
    assert any("'Marché de Noël solidaire': GEO ignored" in w for w in warnings)
    conseil = next(x for x in listings(faults.url, "two-tzids").values() if x.title.startswith("Conseil"))
    assert conseil.local_start.isoformat() == "2026-12-10T14:00:00+01:00"  # read by its TZID's name


def test_a_tzid_nothing_defines_is_read_in_the_sources_zone(faults):
    stored = {x.title: x for x in listings(faults.url, "undefined-tzids").values()}
    named = stored["Zone nommée sans VTIMEZONE"]
    assert (named.timezone, named.local_start.hour) == ("Europe/Paris", 14)
    unknown = stored["Zone inconnue sans VTIMEZONE"]
    assert (unknown.timezone, unknown.local_start.isoformat()) == (
        "Indian/Reunion",
        "2026-12-11T09:30:00+04:00",
    )


def test_an_endless_series_is_bounded_and_the_excess_noted(faults):
    run = faults.runs["minutely"]
    assert run.status == "succeeded" and run.listings_found == 31
    (warning,) = [e for e in run.errors if e.startswith("warning: ")]
    assert "'every-minute@faults' has more than 30 occurrences" in warning
    assert "Soirée des bénévoles" in titles(faults.url, "minutely")


def test_events_past_a_sources_cap_are_counted_and_nothing_is_removed(faults):
    run = faults.runs["over-cap"]
    assert (run.status, run.listings_found) == ("partial", 2)
    assert "1 events past the cap of 2 per crawl were not kept (options.max_events)" in run.errors


def test_iso_dates_without_zero_padding_are_read(faults):
    stored = {x.title: x for x in listings(faults.url, "loose-dates").values()}
    assert stored["Ciné-débat coopératif"].local_start.isoformat() == "2026-12-09T18:30:00+01:00"
    assert stored["Atelier réemploi"].local_start.isoformat() == "2026-12-10T09:00:00+01:00"
    assert stored["Permanence juridique"].local_start.isoformat() == "2026-12-11T09:30:00+01:00"  # microdata


def test_an_unreadable_date_is_named_with_its_page(faults):
    run = faults.runs["loose-dates"]
    assert run.status == "succeeded" and run.error_count == 1
    assert (
        f"rejected: {faults.base}/html/dates/: 'Assemblée générale': unreadable date 'prochainement'"
        in run.errors
    )


def test_a_day_given_in_data_gets_the_hours_its_page_gives(faults):
    forum = next(x for x in listings(faults.url, "loose-dates").values() if x.title.startswith("Forum"))
    assert not forum.all_day
    assert (forum.local_start.isoformat(), forum.end.astimezone(forum.local_start.tzinfo).hour) == (
        "2026-12-14T14:00:00+01:00",
        17,
    )

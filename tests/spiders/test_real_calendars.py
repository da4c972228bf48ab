"""The real-world calendars shipped with icalendar and recurring-ical-events (exports of Google,
Outlook, Apple, Thunderbird, Nextcloud…, broken ones included), crawled as ``ical`` sources over
HTTP: no crawl breaks on any of them, and what cannot be read is said per event, with its page."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from aggregator.samples_server import serve_sites
from tests.spiders.crawling import crawl_unstored

FOLDERS = {
    "icalendar": Path(icalendar.__file__).parent / "tests" / "calendars",
    "recurring": Path(recurring_ical_events.__file__).parent / "test" / "calendars",
}


@pytest.fixture(scope="module")
def crawls() -> dict[str, dict[str, Any]]:
    """By file name, what its crawl met."""
    with ExitStack() as stack:
        bases = {folder: stack.enter_context(serve_sites(folder)) for folder in FOLDERS.values()}
        urls = [
            f"{base}/{path.name}" for folder, base in bases.items() for path in sorted(folder.glob("*.ics"))
        ]
        report = crawl_unstored("ical", urls)  # one Scrapy start-up for all
    return {url.rsplit("/", 1)[1]: crawl for url, crawl in report.items()}


def test_the_packages_ship_their_calendars():
    assert all(len(list(folder.glob("*.ics"))) > 50 for folder in FOLDERS.values())


def test_no_calendar_breaks_its_crawl(crawls):
    assert len(crawls) > 150
    assert not {
        name: c["errors"] for name, c in crawls.items() if any("cannot parse" in e for e in c["errors"])
    }


def test_most_calendars_give_events(crawls):
    assert sum(c["items"] for c in crawls.values()) > 1000
    # Many are series of years long past, or hold only to-dos, alarms or free/busy times.
    assert len([name for name, c in crawls.items() if c["items"]]) > 80


def test_each_unreadable_event_is_named_with_its_page_and_reason(crawls):
    (rejected,) = crawls["broken_dtstart.ics"]["rejected"]
    assert rejected.endswith(
        "/broken_dtstart.ics: 'test-123': DTSTART Expected datetime, date, or time. Got: 'INVALID-DATE'"
    )
    assert all(r.startswith("http://127.0.0.1:") for c in crawls.values() for r in c["rejected"])

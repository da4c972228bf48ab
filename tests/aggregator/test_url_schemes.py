"""Only http(s) URLs survive normalization: a script or data link is never stored, so never published."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from aggregator.crawl import CLI, claim_run, close_run
from aggregator.db import get_sessionmaker
from aggregator.executors import Outcome
from aggregator.models import CrawlRun, Event, Listing
from aggregator.normalize import normalize_item
from aggregator.normalize.listing import web_address
from aggregator.runs import CrawlNotes, CrawlRecorder
from aggregator.sources import upsert_sources, validate_source
from tests.helpers import save
from tests.web.live import serving
from web import create_app

PARIS = ZoneInfo("Europe/Paris")
HOSTILE = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "http:no-host",
    "ftp://files.example/a.png",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_what_is_not_an_http_address_is_dropped(url: str) -> None:
    assert web_address(url) is None


def test_http_addresses_are_kept() -> None:
    assert web_address(" https://recyclerie.example/agenda/1/ ") == "https://recyclerie.example/agenda/1/"
    assert web_address("HTTP://Recyclerie.example/a b") == "HTTP://Recyclerie.example/a b"


def test_dangerous_urls_are_counted_on_the_run_and_never_published(db_url: str) -> None:
    spec = validate_source({"name": "hostile", "kind": "jsonld", "url": "http://127.0.0.1/agenda/"})
    with get_sessionmaker(db_url).begin() as session:
        upsert_sources(session, [spec])
    job = claim_run("hostile", CLI, db_url)
    run_id = job.run_id
    # As the crawl's pipelines do: normalization names what it drops in the notes the run is written from.
    notes = CrawlNotes(stats=lambda: {"response_received_count": 1})
    recorder = CrawlRecorder.open("hostile", run_id, db_url, 10, notes)
    for number, url in enumerate(HOSTILE):
        item = {
            "key": f"hostile-{number}",
            "title": f"Atelier piégé n°{number}",
            "start": datetime(2026, 12, 1 + number, 14, tzinfo=PARIS),
            "city": "Brest",
            "url": url,
            "image": url,
        }
        save(recorder, normalize_item(item, dropped=notes.dropped_urls))
    recorder.end("finished")
    close_run(job, Outcome())

    with get_sessionmaker(db_url)() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None and run.listings_new == len(HOSTILE)
        assert f"warning: {2 * len(HOSTILE)} URLs that were not http(s) left out" in run.errors[-1]
        assert set(session.scalars(select(Listing.url))) == {None}
        assert set(session.scalars(select(Listing.image))) == {None}
        uids = list(session.scalars(select(Event.uid)))

    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "TODAY": "2026-11-20"})
    with serving(app) as base:
        pages = [f"/events/{uid}" for uid in uids] + [f"/events/{uid}.ics" for uid in uids]
        pages += ["/api/events?from=2026-11-20", "/feed.atom", "/calendar.ics?from=2026-11-20"]
        for page in pages:
            response = requests.get(base + page, timeout=10)
            assert response.status_code == 200, page
            body = response.text.lower()
            assert not any(s in body for s in ("javascript:", "vbscript:", "data:text", "data:image")), page

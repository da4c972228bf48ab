"""The crawled sample partner sites, served: every page, feed and event answers, and they agree."""

from __future__ import annotations

import sqlite3

import pytest

from aggregator.db import dispose_engine
from tests.web.conftest import make_app
from tests.web.html_checks import Page
from tests.web.ical_checks import parse_three_ways, uids


@pytest.fixture(scope="module")
def samples_app(samples_db, tmp_path_factory):
    """The app over a copy of the shared crawl (feeds store their fragments; the original stays as is)."""
    copy = tmp_path_factory.mktemp("samples-web") / "samples.sqlite3"
    with sqlite3.connect(samples_db.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    url = f"sqlite:///{copy}"
    yield make_app(url)
    dispose_engine(url)


def test_the_samples_agenda_feeds_and_event_pages(samples_app):
    client = samples_app.test_client()
    listed = client.get("/api/events?from=2026-11-16&per_page=200").get_json()
    assert listed["total"] == len(listed["events"]) > 0
    calendar = parse_three_ways(client.get("/calendar.ics").data)
    assert uids(calendar) == [event["uid"] for event in listed["events"]]
    agenda = client.get("/").get_data(as_text=True)
    for event in listed["events"]:
        page = client.get(f"/events/{event['uid']}")
        assert page.status_code == 200
        assert " ".join(event["title"].split()) in Page(page.get_data(as_text=True)).visible_text
        assert uids(parse_three_ways(client.get(f"/events/{event['uid']}.ics").data)) == [event["uid"]]
        if event["end"] is None or event["end"][:10] >= "2026-11-23":
            assert f"/events/{event['uid']}" in agenda
    for region in {event["location"]["region"] for event in listed["events"]} - {None}:
        regional = parse_three_ways(client.get("/calendar.ics", query_string={"region": region}).data)
        expected = [e["uid"] for e in listed["events"] if e["location"]["region"] == region]
        assert uids(regional) == expected
    assert client.get("/mois/2026-11").status_code == 200
    assert client.get("/feed.atom").status_code == 200

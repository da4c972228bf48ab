"""Sources crawled over HTTP that disagree on an event's time: the organizer's own site decides, and
the admin's page of the event shows each source's value, the one chosen and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.dedup.disagreements import TIMES, event_disagreements
from aggregator.dedup.merge import OWN
from aggregator.models import Event, Listing
from aggregator.samples_server import serve_sites
from aggregator.schema import upgrade
from aggregator.users import add_user
from tests.spiders.crawling import FIXTURES, crawl
from tests.web.html_checks import Page
from tests.web.test_admin import PASSWORD, login, make_admin_app

PARIS = ZoneInfo("Europe/Paris")
SOURCES = [
    # The partner's own site: 14:00 to 17:00 at its workshop.
    {
        "name": "recyclerie",
        "title": "Recyclerie du Port",
        "kind": "jsonld",
        "url": "{base}/recyclerie/agenda.html",
    },
    # Two aggregators' copies, pages elsewhere than on their own sites: 14:30 to 16:30, and the whole
    # day. Were every source the organizer's own, the first by name would speak: "agenda-reseau".
    {"name": "agenda-reseau", "kind": "ical", "url": "{base}/reseau/agenda.ics"},
    {"name": "annuaire-ess", "kind": "ical", "url": "{base}/annuaire/agenda.ics"},
]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('disagree') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with serve_sites(FIXTURES / "disagree") as base:
        runs = crawl(url, base, SOURCES)
    assert all(run.status == "succeeded" for run in runs.values()), {n: r.errors for n, r in runs.items()}
    with get_sessionmaker(url).begin() as session:
        add_user(session, "alice", PASSWORD)
    yield url
    dispose_engine(url)


def the_event(url: str) -> Event:
    with get_sessionmaker(url)() as session:
        query = select(Event).options(selectinload(Event.listings).selectinload(Listing.source))
        (event,) = session.scalars(query)
        return event


def test_the_organizer_s_own_time_and_place_win(crawled):
    event = the_event(crawled)
    assert sorted(listing.source.name for listing in event.listings) == [
        "agenda-reseau",
        "annuaire-ess",
        "recyclerie",
    ]
    assert (event.start, event.end, event.all_day) == (
        datetime(2026, 12, 5, 14, tzinfo=PARIS),
        datetime(2026, 12, 5, 17, tzinfo=PARIS),
        False,
    )
    assert (event.address, event.city) == ("3 rue des Tanneurs", "Dijon")
    (times,) = event_disagreements(event)  # every source places it in Dijon
    assert (times.group, times.reason) == (TIMES, OWN)
    assert [(voice.source_name, voice.chosen) for voice in times.voices] == [
        ("recyclerie", True),
        ("agenda-reseau", False),
        ("annuaire-ess", False),
    ]


def test_the_admin_s_page_of_the_event_shows_the_disagreement(crawled):
    client = make_admin_app(crawled).test_client()
    assert login(client).status_code == 302
    uid = the_event(crawled).uid
    response = client.get(f"/admin/events/{uid}")
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    text = " ".join(page.visible_text.split())
    assert "Horaires : choix d'après la source de l'organisateur" in text
    assert "recyclerie organisateur (déduit)" in text
    assert "agenda-reseau reprise samedi 5 décembre 2026, de 14 h 30 à 16 h 30 écartée" in text
    assert "Lieu :" not in text
    sources_page = client.get("/admin/sources/recyclerie/events").get_data(as_text=True)
    assert f'href="/admin/events/{uid}"' in sources_page


def test_the_admin_s_page_of_the_event_is_in_english_too(crawled):
    client = make_admin_app(crawled).test_client()
    assert login(client).status_code == 302
    response = client.get(f"/admin/events/{the_event(crawled).uid}", headers={"Accept-Language": "en"})
    text = " ".join(Page(response.get_data(as_text=True)).visible_text.split())
    assert "Times: chosen by the organizer's own source" in text
    assert client.get("/admin/events/nope").status_code == 404

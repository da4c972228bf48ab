"""Queries and stored text that used to break answers, over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from xml.etree import ElementTree

import icalendar
import pytest
import requests

from aggregator.db import get_engine, get_sessionmaker
from aggregator.schema import upgrade
from tests.web.factories import TODAY, add_event, add_source, at, bump
from tests.web.live import serving
from web import create_app

ENDPOINTS = ["/", f"/mois/{TODAY:%Y-%m}", "/calendar.ics", "/feed.atom", "/api/events"]
CITIES = ["Saint-Étienne", "Évry-Courcouronnes", "Île-de-Batz"]


@pytest.fixture
def site(any_db_url: str) -> Iterator[str]:
    upgrade(get_engine(any_db_url))
    with get_sessionmaker(any_db_url).begin() as session:
        crlf = add_source(session, "crlf", "Réseau\r\nX-INJECTED:1\r\nsuite")
        for number, city in enumerate(CITIES):
            add_event(session, f"Forum à {city}", at(date(2026, 11, 26 + number), 10), city=city)
        # Stored before normalization stripped noncharacters: the output must strip them too.
        add_event(
            session,
            "Atelier \ufffe réparation \uffff",
            at(date(2026, 11, 25), 14),
            sources=[(crlf, "https://crlf.example/atelier")],
            description="Outils \uffff fournis",
        )
        bump(session)
    app = create_app({"TESTING": True, "DATABASE_URL": any_db_url, "TODAY": TODAY.isoformat()})
    with serving(app) as base:
        yield base


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("param", ["q", "city"])
def test_a_nul_byte_in_a_text_filter_is_no_server_error(site: str, endpoint: str, param: str):
    response = requests.get(f"{site}{endpoint}", params={param: "Forum\x00"}, timeout=10)
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("city", CITIES)
def test_accented_cities_are_found_whatever_their_case(site: str, city: str):
    for asked in (city, city.upper(), city.lower()):
        events = requests.get(f"{site}/api/events", params={"city": asked}, timeout=10).json()["events"]
        assert [e["title"] for e in events] == [f"Forum à {city}"], asked


def test_the_atom_feed_stays_well_formed_xml(site: str):
    response = requests.get(f"{site}/feed.atom", timeout=10)
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Atelier  réparation " in titles


def test_a_source_title_with_line_breaks_gives_a_one_line_calendar_name(site: str):
    response = requests.get(f"{site}/calendar.ics", params={"source": "crlf"}, timeout=10)
    assert response.status_code == 200
    assert "X-INJECTED" not in [line.split(":")[0] for line in response.text.splitlines()]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]).endswith("— annoncés par Réseau X-INJECTED:1 suite")

"""The ``country`` filter and field: events abroad apart from France's, in the API, feeds and CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aggregator.db import get_sessionmaker
from tests.helpers import cli
from tests.web.conftest import make_app
from tests.web.factories import TODAY, add_event, add_source, at


@pytest.fixture
def abroad(sqlite_db):
    with get_sessionmaker(sqlite_db).begin() as session:
        source = add_source(session, "reseau", region="Bretagne")
        day = at(TODAY + timedelta(days=3), 10)
        add_event(
            session,
            "Forum à Brest",
            day,
            sources=[(source, None)],
            city="Brest",
            region="Bretagne",
            department="29",
            country="FR",
        )
        add_event(
            session,
            "Rencontre à Bruxelles",
            day,
            sources=[(source, None)],
            city="Bruxelles",
            postcode="1000",
            country="BE",
        )
        add_event(session, "Webinaire", day, sources=[(source, None)], online=True)
    return sqlite_db


def titles(response):
    return [event["title"] for event in response.get_json()["events"]]


def test_country_selects_and_combines_as_a_facet(abroad):
    web = make_app(abroad).test_client()
    assert titles(web.get("/api/events?country=BE")) == ["Rencontre à Bruxelles"]
    assert titles(web.get("/api/events?country=fr")) == ["Forum à Brest"]
    assert sorted(titles(web.get("/api/events?country=FR&country=BE"))) == [
        "Forum à Brest",
        "Rencontre à Bruxelles",
    ]
    assert titles(web.get("/api/events?region=Bretagne")) == [
        "Forum à Brest"
    ]  # the Belgian one is not in Bretagne
    belgian = web.get("/api/events?country=BE").get_json()["events"][0]
    assert belgian["location"]["country"] == "BE" and belgian["location"]["region"] is None
    assert b"Bruxelles" in web.get("/calendar.ics?country=BE").data
    assert b"Brest" not in web.get("/calendar.ics?country=BE").data


def test_an_unknown_country_is_refused_by_web_and_cli_alike(abroad):
    web = make_app(abroad).test_client()
    refused = web.get("/api/events?country=XX")
    assert refused.status_code == 400
    result = cli("events", "--json", "--country", "XX")
    assert result.exit_code == 2 and "Pays inconnu" in result.output

"""With a public base URL configured, no absolute link follows the Host header a client sends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from aggregator.db import get_sessionmaker
from tests.web.factories import TODAY, add_event, add_source, at, bump
from tests.web.live import serving
from web import create_app
from web.origin import PublicOrigin, PublicURLError

PUBLIC = "https://agenda.example/ess"
HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}


@pytest.fixture
def site(sqlite_db: str) -> Iterator[tuple[str, str]]:
    with get_sessionmaker(sqlite_db).begin() as session:
        source = add_source(session, "adess")
        uid = add_event(session, "Forum ESS", at(TODAY, 14), sources=[(source, None)]).uid
        bump(session)
    config = {"TESTING": True, "DATABASE_URL": sqlite_db, "TODAY": TODAY.isoformat(), "PUBLIC_URL": PUBLIC}
    with serving(create_app({**config, "PROXIES": 1})) as base:
        yield base, uid


def test_links_say_the_public_address_whatever_host_is_sent(site: tuple[str, str]):
    base, uid = site
    pages = ["/", f"/events/{uid}", "/feed.atom", "/api/events", f"/api/events/{uid}", "/api/openapi.json"]
    for page in pages:
        response = requests.get(base + page, headers=HOSTILE, timeout=10)
        assert response.status_code == 200, page
        assert "evil.example" not in response.text, page
    index = requests.get(f"{base}/", headers=HOSTILE, timeout=10).text
    assert "webcal://agenda.example/ess/calendar.ics" in index
    event = requests.get(f"{base}/events/{uid}", headers=HOSTILE, timeout=10).text
    assert re.search(rf'rel="canonical" href="{PUBLIC}/events/{re.escape(uid)}"', event)
    assert requests.get(f"{base}/ess/events/{uid}", headers=HOSTILE, timeout=10).text == event
    api = requests.get(f"{base}/api/events", headers=HOSTILE, timeout=10).json()
    assert api["links"]["self"].startswith(f"{PUBLIC}/api/events")
    assert api["events"][0]["links"]["html"] == f"{PUBLIC}/events/{uid}"


@pytest.mark.parametrize("url", ["agenda.example", "ftp://agenda.example", "https://agenda.example/?a=1"])
def test_a_public_url_that_is_no_web_address_is_refused(url: str):
    with pytest.raises(PublicURLError):
        PublicOrigin(lambda environ, start_response: [], url)

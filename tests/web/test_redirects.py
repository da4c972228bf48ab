"""A ``next`` parameter sends back to a path of this site only, over real HTTP."""

from __future__ import annotations

import pytest
import requests

from aggregator.db import get_sessionmaker
from aggregator.users import add_user
from tests.web.live import serving, sign_in
from web import create_app

PASSWORD = "correct horse battery"
HOSTILE = [
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%00/evil.example",
]


@pytest.fixture
def site(sqlite_db: str):
    with get_sessionmaker(sqlite_db).begin() as session:
        add_user(session, "alice", PASSWORD)
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_db, "SECURE_COOKIES": False})
    with serving(app) as base:
        yield base


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_goes_home_instead_of_elsewhere(site: str, target: str):
    response = requests.get(f"{site}/lang/en?next={target}", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "x" not in response.cookies


def test_language_switch_goes_back_to_the_page(site: str):
    response = requests.get(f"{site}/lang/en?next=/mois/2026-11%3Fcity%3DBrest", allow_redirects=False)
    assert response.headers["Location"] == "/mois/2026-11?city=Brest"


@pytest.mark.parametrize("target", [*HOSTILE, "/%09/evil.example/admin/"])
def test_login_goes_to_the_dashboard_instead_of_elsewhere(site: str, target: str):
    _, response = sign_in(site, "alice", PASSWORD, next_page=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"

"""The admin against a hostile operator's browser or a stolen cookie, over real HTTP."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from aggregator.cli import web_app
from aggregator.config import DEV_SECRET_KEY
from aggregator.db import get_sessionmaker
from aggregator.models import Source
from aggregator.users import UserError, add_user, end_sessions, set_password
from tests.web.factories import add_source
from tests.web.live import post_form, serving, sign_in
from web import create_app

PASSWORD = "correct horse battery"
EDIT_FORM = {"title": "Watched", "url": "https://watched.example/agenda.ics", "kind": "ical", "save": "1"}


@pytest.fixture
def site(sqlite_db: str) -> Iterator[str]:
    with get_sessionmaker(sqlite_db).begin() as session:
        add_user(session, "alice", PASSWORD)
        add_source(session, "watched")
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_db, "SECURE_COOKIES": False})
    with serving(app) as base:
        yield base


@pytest.mark.parametrize(
    "options",
    [
        "a: &loop [*loop]",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
        "max_pages: 1\n" + "# padding\n" * 5000,
    ],
)
def test_options_with_aliases_or_too_long_are_refused_and_nothing_stored(
    site: str, sqlite_db: str, options: str
):
    browser, _ = sign_in(site, "alice", PASSWORD)
    page = f"{site}/admin/sources/watched/edit"
    refused = post_form(browser, page, {**EDIT_FORM, "options": options})
    assert refused.status_code == 200
    assert "aliases (*name) are not accepted" in refused.text or "at most 20000 characters" in refused.text
    with get_sessionmaker(sqlite_db)() as session:
        assert session.scalars(select(Source.options).where(Source.name == "watched")).one() == {}


def cookie_header(browser: requests.Session) -> dict[str, str]:
    """The session cookie as a thief replays it."""
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in browser.cookies)}


def opens_the_admin(base: str, headers: dict[str, str]) -> bool:
    response = requests.get(f"{base}/admin/", headers=headers, allow_redirects=False, timeout=10)
    return response.status_code == 200


def test_signing_out_ends_the_session_a_copied_cookie_included(site: str):
    browser, response = sign_in(site, "alice", PASSWORD)
    assert response.status_code == 302
    stolen = {**cookie_header(browser), "User-Agent": browser.headers["User-Agent"]}
    assert opens_the_admin(site, stolen)
    signed_out = post_form(browser, f"{site}/admin/logout", {}, page=f"{site}/admin/")
    assert signed_out.status_code == 302
    assert not opens_the_admin(site, stolen)


def test_a_cookie_works_only_in_the_browser_that_signed_in(site: str):
    browser, _ = sign_in(site, "alice", PASSWORD)
    same = {**cookie_header(browser), "User-Agent": browser.headers["User-Agent"]}
    assert opens_the_admin(site, same)
    assert not opens_the_admin(site, {**cookie_header(browser), "User-Agent": "Another browser/1.0"})
    assert not opens_the_admin(site, {**same, "X-Forwarded-For": "203.0.113.9"})


def test_a_new_password_or_logging_out_everywhere_ends_every_session(site: str, sqlite_db: str):
    first, _ = sign_in(site, "alice", PASSWORD)
    with get_sessionmaker(sqlite_db).begin() as session:
        end_sessions(session, "ALICE")
    assert first.get(f"{site}/admin/", allow_redirects=False).status_code == 302
    second, _ = sign_in(site, "alice", PASSWORD)
    with get_sessionmaker(sqlite_db).begin() as session:
        set_password(session, "alice", "une phrase de passe assez longue")
    assert second.get(f"{site}/admin/", allow_redirects=False).status_code == 302


def test_user_names_match_whatever_their_case(site: str, sqlite_db: str):
    _, response = sign_in(site, " ALICE ", PASSWORD)
    assert response.status_code == 302
    with get_sessionmaker(sqlite_db).begin() as session, pytest.raises(UserError, match="already exists"):
        add_user(session, "Alice", PASSWORD)


@pytest.mark.parametrize(
    "password", ["short", "password123", "azertyuiop", "motdepasse2026", "alice-alice-alice", "essagenda29"]
)
def test_common_or_simple_passwords_are_refused(sqlite_db: str, password: str):
    with get_sessionmaker(sqlite_db).begin() as session, pytest.raises(UserError):
        add_user(session, "alice", password)


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", "too-short-to-sign-anything"])
def test_the_admin_is_closed_without_a_real_secret_key(sqlite_db: str, key: str):
    app = create_app({"DATABASE_URL": sqlite_db, "SECRET_KEY": key, "SECURE_COOKIES": False})
    with serving(app) as base:
        for page in ("/admin/login", "/admin/"):
            closed = requests.get(base + page, allow_redirects=False, timeout=10)
            assert closed.status_code == 503
            assert "ESS_AGENDA_SECRET_KEY" in closed.text
        assert requests.get(f"{base}/", timeout=10).status_code == 200  # the agenda stays open


def test_the_admin_opens_with_a_real_secret_key(sqlite_db: str):
    app = create_app({"DATABASE_URL": sqlite_db, "SECRET_KEY": secrets.token_urlsafe(32)})
    with serving(app) as base:
        assert requests.get(f"{base}/admin/login", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "address", ["http://127.0.0.1:5432/", "http://0x7f000001/", "http://localhost:6379/"]
)
def test_a_source_on_the_servers_networks_is_refused(sqlite_db: str, address: str):
    with get_sessionmaker(sqlite_db).begin() as session:
        add_user(session, "alice", PASSWORD)
        add_source(session, "watched")
    config = {"TESTING": True, "DATABASE_URL": sqlite_db, "SECURE_COOKIES": False}
    with serving(web_app({**config, "ALLOW_PRIVATE_SOURCES": False})) as base:
        browser, _ = sign_in(base, "alice", PASSWORD)
        for page, data in [
            (f"{base}/admin/sources/new", {"url": address, "name": "probe", "kind": "auto", "discover": "1"}),
            (f"{base}/admin/sources/new", {"url": address, "name": "probe", "kind": "auto", "save": "1"}),
            (f"{base}/admin/sources/watched/edit", {**EDIT_FORM, "url": address}),
        ]:
            refused = post_form(browser, page, data)
            assert refused.status_code == 200
            assert "only public sites can be added" in refused.text
    with get_sessionmaker(sqlite_db)() as session:
        assert set(session.scalars(select(Source.url))) == {"https://watched.example/agenda.ics"}

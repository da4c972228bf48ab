"""The admin against a hostile operator's browser or a stolen cookie, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from aggregator.db import get_sessionmaker
from aggregator.models import Source
from aggregator.users import add_user
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

"""Public pages kept per data version: served again without a query, never across a change, a
language, an origin or a day; one request builds a page while the others asking for it wait."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from aggregator.db import get_engine, get_sessionmaker
from tests.web.conftest import make_app
from tests.web.factories import TODAY, add_event, add_source, at, bump
from web.cache import VersionedCache

PAGES = ["/", "/mois/2026-11", "/semaine/2026-W48", "/api/events", "/embed"]


def _statements(url, client, path):
    """The SQL statements one request runs."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = get_engine(url)
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return response, seen


def _seed(url, title="Premier"):
    with get_sessionmaker(url).begin() as session:
        source = add_source(session, f"src-{title}")
        event = add_event(session, title, at(TODAY + timedelta(days=1), 10), sources=[(source, None)])
        bump(session)
        return event.uid


def test_a_page_served_again_runs_one_query_and_says_the_same(sqlite_db):
    uid = _seed(sqlite_db)
    client = make_app(sqlite_db).test_client()
    for path in [*PAGES, f"/events/{uid}"]:
        first, _ = _statements(sqlite_db, client, path)
        again, statements = _statements(sqlite_db, client, path)
        assert again.data == first.data, path
        assert len(statements) == 1, (path, statements)  # the data version, nothing else


def test_a_change_of_data_shows_at_once(sqlite_db):
    _seed(sqlite_db)
    client = make_app(sqlite_db).test_client()
    assert "Second" not in client.get("/").get_data(as_text=True)
    _seed(sqlite_db, "Second")
    assert "Second" in client.get("/").get_data(as_text=True)


def test_each_language_and_origin_has_its_own_page(sqlite_db):
    _seed(sqlite_db)
    client = make_app(sqlite_db).test_client()
    french = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr"' in french and '<html lang="en"' in english
    one = client.get("/", headers={"Host": "one.example"}).get_data(as_text=True)
    other = client.get("/", headers={"Host": "other.example"}).get_data(as_text=True)
    assert "webcal://one.example/" in one and "one.example" not in other
    assert "webcal://other.example/" in other


def test_redirects_and_errors_are_never_kept(sqlite_db):
    _seed(sqlite_db)
    client = make_app(sqlite_db).test_client()
    for _ in range(2):
        assert client.get("/?region=").status_code == 302
        assert client.get("/?region=Atlantide").status_code == 400
        assert client.get("/mois/2026-13").status_code == 400


def test_one_thread_builds_a_key_while_the_others_wait_for_it():
    cache = VersionedCache()
    started, release = threading.Event(), threading.Event()
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        started.set()
        release.wait(5)
        return "page"

    results: list[str] = []

    def ask() -> None:
        results.append(cache.get_or_build("k", build))

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(5)
    waiting = [threading.Thread(target=ask) for _ in range(3)]
    for thread in waiting:
        thread.start()
    release.set()
    for thread in [first, *waiting]:
        thread.join(5)
    assert results == ["page"] * 4 and builds == [1]


def test_a_build_that_fails_or_gives_nothing_keeps_nothing():
    cache = VersionedCache()
    assert cache.get_or_build("k", lambda: None) is None
    assert cache.get("k") is None

    def broken() -> str:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_build("k", broken)
    assert cache.get_or_build("k", lambda: "built") == "built"

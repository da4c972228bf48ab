"""Shared fixtures: databases (SQLite and PostgreSQL), the sample sites over HTTP, the web app.

The whole suite runs on the project's clock pinned to the samples' day (``aggregator.clock``), in this
process and every process it starts, so its expectations hold whatever the real date; a test that needs
another day pins its own (``monkeypatch.setenv(NOW_ENV, ...)``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aggregator import clock
from aggregator.db import connection_problem, dispose_engine, get_engine, scratch_schema
from aggregator.samples_server import samples_today, serve_sites
from aggregator.schema import upgrade

SUITE_NOW = f"{samples_today().isoformat()}T12:00:00+01:00"
clock.pin(SUITE_NOW)

# Every site the tests read is served on 127.0.0.1: discovery may fetch it there.
os.environ.setdefault("ESS_AGENDA_ALLOW_PRIVATE_SOURCES", "1")

POSTGRES_URL = os.environ.get(
    "ESS_AGENDA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_skip_reason() -> str | None:
    problem = connection_problem(POSTGRES_URL)
    return f"no PostgreSQL server reachable at {POSTGRES_URL} ({problem})" if problem else None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    reason = _postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'ess-agenda.sqlite3'}"
    yield url
    dispose_engine(url)


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    with scratch_schema(postgres_url, "t") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_schema_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def db_url(any_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated, empty database, also set as ESS_AGENDA_DATABASE_URL for CLIs and subprocesses."""
    upgrade(get_engine(any_db_url))
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", any_db_url)
    return any_db_url


@pytest.fixture
def sqlite_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite database only, for tests that do not concern the shared database."""
    upgrade(get_engine(sqlite_url))
    monkeypatch.setenv("ESS_AGENDA_DATABASE_URL", sqlite_url)
    return sqlite_url


@pytest.fixture(scope="session")
def samples_base() -> Iterator[str]:
    """The bundled sample partner sites, served over HTTP on 127.0.0.1."""
    with serve_sites() as base:
        yield base


@pytest.fixture
def app(sqlite_db: str) -> Flask:
    from web import create_app

    return create_app({"TESTING": True, "DATABASE_URL": sqlite_db})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def samples_db(samples_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite database holding a crawl of every sample source. Read-only: tests share it."""
    from aggregator.crawl import run_crawls
    from aggregator.db import get_sessionmaker
    from aggregator.samples_server import SOURCES_FILE
    from aggregator.sources import read_sources_file, upsert_sources

    url = f"sqlite:///{tmp_path_factory.mktemp('samples') / 'samples.sqlite3'}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        upsert_sources(session, read_sources_file(SOURCES_FILE, samples_base))
        names = [spec["name"] for spec in read_sources_file(SOURCES_FILE, samples_base)]
    run_crawls(names, trigger="test", database_url=url)
    yield url
    dispose_engine(url)

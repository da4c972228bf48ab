"""Web fixtures: an app over a seeded database, on SQLite and on PostgreSQL (the suite's clock: TODAY)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aggregator.db import dispose_engine, get_engine, get_sessionmaker, scratch_schema
from aggregator.models import Event
from aggregator.schema import upgrade
from tests.web.factories import seed
from web import create_app


def make_app(url: str, **config: Any) -> Flask:
    return create_app({"TESTING": True, "DATABASE_URL": url, **config})


@dataclass(frozen=True)
class Seeded:
    url: str
    events: dict[str, Event]  # detached: read their columns only


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A migrated database holding ``factories.seed``, shared by a module's read-only tests."""
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path_factory.mktemp('web') / 'seeded.sqlite3'}")
        return
    with scratch_schema(request.getfixturevalue("postgres_url"), "t") as url:
        yield from _seeded(url)


def _seeded(url: str) -> Iterator[Seeded]:
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        events = seed(session)
    yield Seeded(url, events)
    dispose_engine(url)


@pytest.fixture(scope="module")
def events(seeded: Seeded) -> dict[str, Event]:
    return seeded.events


@pytest.fixture(scope="module")
def seeded_app(seeded: Seeded) -> Flask:
    return make_app(seeded.url)


@pytest.fixture
def web(seeded_app: Flask) -> FlaskClient:
    """A client of the seeded app, French unless a request says otherwise."""
    return seeded_app.test_client()

"""Dialect-specific queries, on SQLite and PostgreSQL: full-text search and category membership."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from aggregator.db import get_engine, get_sessionmaker
from aggregator.models import Event
from aggregator.schema import upgrade
from tests.web.factories import add_event, at
from web.search import fts5_query, has_category, text_match


@pytest.fixture
def session(db_url):
    sessions = get_sessionmaker(db_url)
    with sessions.begin() as writing:
        add_event(
            writing,
            "Atelier réparation vélo",
            at(date(2026, 11, 26), 14),
            city="Brest",
            categories=["atelier", "Mois de l'ESS"],
        )
        add_event(
            writing,
            "Forum",
            at(date(2026, 11, 27), 9),
            description="Les coopératives recrutent.",
            categories=["forum"],
        )
        add_event(
            writing,
            "Permanence",
            at(date(2026, 11, 28), 10),
            location_name="Maison des associations",
            address="12 rue de Siam",
        )
    with sessions() as reading:
        yield reading


def titles(session, condition):
    return sorted(session.scalars(select(Event.title).where(condition)))


def test_search_covers_title_description_and_place(session):
    dialect = session.get_bind().dialect.name
    assert titles(session, text_match(dialect, "vélo")) == ["Atelier réparation vélo"]
    assert titles(session, text_match(dialect, "coopératives")) == ["Forum"]
    assert titles(session, text_match(dialect, "Siam")) == ["Permanence"]
    assert titles(session, text_match(dialect, "associations")) == ["Permanence"]
    assert titles(session, text_match(dialect, "Brest atelier")) == ["Atelier réparation vélo"]
    assert titles(session, text_match(dialect, "Brest forum")) == []


def test_search_forgives_what_each_database_can(session):
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        assert titles(session, text_match(dialect, "velo")) == ["Atelier réparation vélo"]  # accents folded
        assert titles(session, text_match(dialect, "répar")) == ["Atelier réparation vélo"]  # prefixes
    else:
        assert titles(session, text_match(dialect, "ateliers")) == ["Atelier réparation vélo"]  # French stems
        assert titles(session, text_match(dialect, "coopérative")) == ["Forum"]


def test_search_syntax_from_visitors_is_only_words(session):
    dialect = session.get_bind().dialect.name
    for query in ('NEAR(" OR', "*", "title:forum", "-forum", "'; DROP TABLE event; --", "¿?"):
        titles(session, text_match(dialect, query))  # never raises
    assert titles(session, text_match(dialect, "forum)")) == ["Forum"]


def test_fts5_query_quotes_every_word():
    assert fts5_query('vélo "NEAR(x) OR') == '"vélo"* "NEAR"* "x"* "OR"*'
    assert fts5_query("!!!") is None


def test_search_follows_updates_and_deletes(db_url):
    sessions = get_sessionmaker(db_url)
    with sessions.begin() as session:
        event = add_event(session, "Disco soupe", at(date(2026, 11, 26), 18))
    dialect = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    with sessions.begin() as session:
        session.get(Event, event.id).title = "Fête des voisins"
    with sessions() as session:
        assert titles(session, text_match(dialect, "soupe")) == []
        assert titles(session, text_match(dialect, "voisins")) == ["Fête des voisins"]
    with sessions.begin() as session:
        session.delete(session.get(Event, event.id))
    with sessions() as session:
        assert titles(session, text_match(dialect, "voisins")) == []


def test_postgresql_search_uses_its_index(pg_schema_url):
    upgrade(get_engine(pg_schema_url))
    session = get_sessionmaker(pg_schema_url)()
    session.execute(text("SET enable_seqscan = off"))
    query = select(Event.id).where(text_match("postgresql", "vélo"))
    plan = "\n".join(
        session.scalars(
            text("EXPLAIN " + str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})))
        )
    )
    session.close()
    assert "ix_event_fulltext" in plan


def test_category_membership(session):
    dialect = session.get_bind().dialect.name
    assert titles(session, has_category(dialect, ["forum"])) == ["Forum"]
    assert titles(session, has_category(dialect, ["Mois de l'ESS", "Mois de l’ESS"])) == [
        "Atelier réparation vélo"
    ]
    assert titles(session, has_category(dialect, ["Mois"])) == []

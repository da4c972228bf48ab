"""The Alembic history stays linear and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from aggregator.db import get_engine
from aggregator.models import Base
from aggregator.schema import alembic_config, include_name


def test_single_head(sqlite_url):
    script = ScriptDirectory.from_config(alembic_config(get_engine(sqlite_url)))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_migrations_match_models(db_url):
    with get_engine(db_url).connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"include_name": include_name}), Base.metadata
        )
    assert diff == []


def test_places_stored_before_commune_centres_get_them(any_db_url):
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import select

    from aggregator.db import get_sessionmaker
    from aggregator.models import Event, Listing, Source
    from aggregator.normalize.geography import geography

    engine = get_engine(any_db_url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    start = datetime(2026, 11, 26, 13, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(Source.__table__.insert().values(id=1, name="s", kind="ical", url="u"))
        for uid, insee, lat, online in (
            ("a", "29019", None, False),
            ("b", "29019", 48.39, False),
            ("c", None, None, True),
        ):
            connection.execute(
                Event.__table__.insert().values(
                    uid=uid,
                    title=uid,
                    start=start,
                    insee=insee,
                    lat=lat,
                    lon=lat and -4.49,
                    online=online,
                    vevent="BEGIN:VEVENT",
                    categories=[],
                    created_at=start,
                    updated_at=start,
                )
            )
        connection.execute(
            Listing.__table__.insert().values(
                source_id=1,
                key="k",
                title="a",
                start=start,
                insee="35238",
                raw={},
                content_hash="h",
                first_seen=start,
                last_seen=start,
                changed_at=start,
                categories=[],
            )
        )
    from aggregator.schema import upgrade

    upgrade(engine)
    with get_sessionmaker(any_db_url)() as session:
        events = {e.uid: e for e in session.scalars(select(Event))}
        assert (events["a"].lat, events["a"].lon) == geography().centre("29019") and events[
            "a"
        ].vevent is None
        assert (events["b"].lat, events["b"].vevent) == (48.39, "BEGIN:VEVENT")
        assert events["c"].lat is None
        listing = session.scalars(select(Listing)).one()
        assert (listing.lat, listing.lon) == geography().centre("35238")

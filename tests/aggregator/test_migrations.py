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

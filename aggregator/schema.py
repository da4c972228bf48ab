"""Create or upgrade the database schema with Alembic."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from aggregator.db import sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"

# Full-text search lives outside the models (an FTS5 table and its shadow tables on SQLite, a
# generated tsvector column and its index on PostgreSQL): migrations create it, autogenerate must
# neither drop nor compare it.
# APScheduler creates and owns the table of its job store.
UNMODELLED_PREFIXES = ("event_fts", "ix_event_fulltext", "fulltext", "apscheduler_")


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Whether autogenerate compares the named database object with the models."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest revision; harmless when it is already there."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_problem(engine: Engine) -> str | None:
    """Why the database cannot serve yet (none, no schema, an older one), or None when it is ready.

    A SQLite file that does not exist is reported without being created.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    where = engine.url.render_as_string(hide_password=True)
    path = sqlite_path(engine.url.database) if engine.dialect.name == "sqlite" else None
    if path is not None and not path.exists():
        return f"no database at {where}: run `ess-agenda init` first"
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        return f"cannot read the database at {where}: {str(exc).splitlines()[0]}"
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    if not current:
        return f"the database at {where} has no schema: run `ess-agenda init` first"
    if current != heads:
        return f"the database at {where} has an older schema: run `ess-agenda init` to upgrade it"
    return None

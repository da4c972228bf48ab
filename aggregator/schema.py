"""Create or upgrade the database schema with Alembic."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

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

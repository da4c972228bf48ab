"""full-text search over events: FTS5 on SQLite, a French tsvector index on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:00:00

Neither structure is a model: aggregator.schema.include_name keeps autogenerate away from them.
The searched text is title, description and place (location name, address, city).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What PostgreSQL searches (since 0006 a generated column holds it, for web.search.DOCUMENT).
PG_DOCUMENT = (
    "to_tsvector('french'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || "
    "coalesce(location_name, '') || ' ' || coalesce(address, '') || ' ' || coalesce(city, ''))"
)


def _place(row: str) -> str:
    columns = (f"coalesce({row}.{name}, '')" for name in ("location_name", "address", "city"))
    return " || ' ' || ".join(columns)


def _fts_insert(row: str) -> str:
    return (
        "INSERT INTO event_fts(rowid, title, description, place) "
        f"VALUES ({row}.id, {row}.title, {row}.description, {_place(row)});"
    )


def _fts_delete(row: str) -> str:
    # A contentless FTS5 table forgets a row only when told its indexed values.
    return (
        "INSERT INTO event_fts(event_fts, rowid, title, description, place) "
        f"VALUES ('delete', {row}.id, {row}.title, {row}.description, {_place(row)});"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_event_fulltext ON event USING gin ({PG_DOCUMENT})")
        return
    op.execute(
        "CREATE VIRTUAL TABLE event_fts USING fts5("
        "title, description, place, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "INSERT INTO event_fts(rowid, title, description, place) "
        f"SELECT id, title, description, {_place('event')} FROM event"
    )
    op.execute(f"CREATE TRIGGER event_fts_insert AFTER INSERT ON event BEGIN {_fts_insert('new')} END")
    op.execute(f"CREATE TRIGGER event_fts_delete AFTER DELETE ON event BEGIN {_fts_delete('old')} END")
    op.execute(
        "CREATE TRIGGER event_fts_update AFTER UPDATE OF title, description, location_name, address, city "
        f"ON event BEGIN {_fts_delete('old')} {_fts_insert('new')} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_event_fulltext")
        return
    for trigger in ("event_fts_insert", "event_fts_delete", "event_fts_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE event_fts")

"""event fulltext column on PostgreSQL: the French tsvector stored with the row, not computed per query

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:30:00

A search within a window of dates reads thousands of rows through the start index; computing
to_tsvector for each of them cost more than the rest of the page. The column is generated (kept by
PostgreSQL itself on every write) and carries the GIN index. Like the FTS5 table on SQLite it is no
model: aggregator.schema.include_name keeps autogenerate away from it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The document of migration 0002, unchanged: title, description and place.
PG_DOCUMENT = (
    "to_tsvector('french'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || "
    "coalesce(location_name, '') || ' ' || coalesce(address, '') || ' ' || coalesce(city, ''))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_event_fulltext")
    op.execute(f"ALTER TABLE event ADD COLUMN fulltext tsvector GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED")
    op.execute("CREATE INDEX ix_event_fulltext ON event USING gin (fulltext)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_event_fulltext")
    op.execute("ALTER TABLE event DROP COLUMN fulltext")
    op.execute(f"CREATE INDEX ix_event_fulltext ON event USING gin ({PG_DOCUMENT})")

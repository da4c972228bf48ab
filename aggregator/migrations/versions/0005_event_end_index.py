"""event end index: the earliest start of the events still running on a day, read from an index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:12:17.186482
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain CREATE INDEX: rebuilding the table in batch mode would drop its full-text triggers.
    op.create_index("ix_event_end_start", "event", ["end", "start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_event_end_start", table_name="event")

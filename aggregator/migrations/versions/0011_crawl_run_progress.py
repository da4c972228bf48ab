"""crawl run progress: what the crawl process concluded, when its store opened, its heartbeat, discovery

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aggregator.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("crawl_status", sa.String(length=20)),
    ("seen_since", UTCDateTime()),
    ("heartbeat_at", UTCDateTime()),
    ("discovered", sa.JSON()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("crawl_run", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_run") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)

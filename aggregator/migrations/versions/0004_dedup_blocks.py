"""dedup blocks, the day a postponed listing left, indexes for corrections and removed listings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:04:36

Listings stored before this revision have no blocks yet: the first dedup after the upgrade files
them all (a rebuild).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aggregator.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dedup_block",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["listing_id"], ["listing.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("listing_id", "day", "area"),
    )
    with op.batch_alter_table("dedup_block", schema=None) as batch_op:
        batch_op.create_index("ix_dedup_block_day_area", ["day", "area"], unique=False)

    with op.batch_alter_table("dedup_correction", schema=None) as batch_op:
        batch_op.create_index("ix_dedup_correction_listing_b", ["listing_b_id"], unique=False)

    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_from", aggregator.types.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_listing_removed_missed", ["removed", "missed_crawls"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_removed_missed")
        batch_op.drop_column("moved_from")

    with op.batch_alter_table("dedup_correction", schema=None) as batch_op:
        batch_op.drop_index("ix_dedup_correction_listing_b")

    with op.batch_alter_table("dedup_block", schema=None) as batch_op:
        batch_op.drop_index("ix_dedup_block_day_area")

    op.drop_table("dedup_block")

"""place country: the ISO 3166-1 code of a listing's and an event's place (FR, or the country abroad)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("listing", "event")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
            batch.create_index(f"ix_{table}_country", ["country"])
        # Places stored before: those placed in a French département or région are in France.
        op.execute(f"UPDATE {table} SET country = 'FR' WHERE department IS NOT NULL OR region IS NOT NULL")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_country")
            batch.drop_column("country")

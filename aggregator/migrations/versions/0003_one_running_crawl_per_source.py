"""one running crawl per source: a partial unique index on crawl_run (source_id) where running

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:49:30

Runs already left "running" beside a newer one are closed as failed first, or the index could not
be built.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.execute(
        "UPDATE crawl_run SET status = 'failed', finished_at = started_at "
        "WHERE status = 'running' AND id NOT IN "
        "(SELECT max(id) FROM crawl_run WHERE status = 'running' GROUP BY source_id)"
    )
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.create_index(
            "ux_crawl_run_one_running",
            ["source_id"],
            unique=True,
            sqlite_where=RUNNING,
            postgresql_where=RUNNING,
        )


def downgrade() -> None:
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_index("ux_crawl_run_one_running")

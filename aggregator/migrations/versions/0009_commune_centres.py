"""commune centres: places stored before communes had centres get them, as normalization now gives

Listings and events placed in a commune without coordinates of their own are placed at the commune's
centre (aggregator/data/geography.json.gz); an event so moved renders its iCalendar anew (GEO).
Data only: downgrading leaves the coordinates.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from aggregator.normalize.geography import geography

    bind = op.get_bind()
    for table, extra in (("listing", {}), ("event", {"vevent": None})):
        rows = sa.table(table, sa.column("insee"), sa.column("lat"), sa.column("lon"), sa.column("online"))
        placeless = (rows.c.lat.is_(None), rows.c.insee.is_not(None), rows.c.online.is_(sa.false()))
        codes = bind.execute(sa.select(rows.c.insee).where(*placeless).distinct()).scalars().all()
        target = sa.table(table, *(sa.column(name) for name in ("insee", "lat", "lon", "online", *extra)))
        for code in codes:
            centre = geography().centre(code)
            if centre is not None:
                bind.execute(
                    target.update()
                    .where(target.c.insee == code, target.c.lat.is_(None), target.c.online.is_(sa.false()))
                    .values(lat=centre[0], lon=centre[1], **extra)
                )


def downgrade() -> None:
    pass

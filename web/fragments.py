"""Per-event VEVENT fragments, as feeds read them from ``Event.vevent``.

The aggregator renders and stores them (aggregator.fragments); the web writes nothing. An event whose
fragment the aggregator has not rendered yet (changed by an operator a moment ago) is rendered for
this answer only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from aggregator.fragments import Fragment, render
from aggregator.models import Event


def load_fragments(
    session: Session, where: Sequence[ColumnElement[bool]], limit: int | None = None
) -> list[Fragment]:
    """The fragments of the events matching ``where``, by start."""
    rows = session.execute(
        select(Event.id, Event.vevent, Event.timezone, Event.all_day, Event.start, Event.end)
        .where(*where)
        .order_by(Event.start, Event.id)
        .limit(limit)
    ).all()
    missing = [row.id for row in rows if row.vevent is None]
    rendered = render(session, missing) if missing else {}
    fragments = []
    for row in rows:
        if row.vevent is None:
            fragments.append(rendered[row.id])
            continue
        zone = ZoneInfo(row.timezone)
        last: datetime = row.end or row.start
        tzid = None if row.all_day else row.timezone
        fragments.append(
            Fragment(row.vevent, tzid, row.start.astimezone(zone).date(), last.astimezone(zone).date())
        )
    return fragments

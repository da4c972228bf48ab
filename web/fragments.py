"""Per-event VEVENT fragments: rendered once per change, kept in ``Event.vevent``.

The aggregator clears ``Event.vevent`` whenever it changes an event or the listings announcing it
(one removed, back, or gone to another event), and bumps the data version. A feed reads the stored
texts, renders the missing ones and writes them back — only if no event changed since it began
reading (same data version, same ``updated_at``), and without waiting on a crawl's locks: a
fragment that cannot be stored now is rendered again later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from aggregator.db import chunks
from aggregator.models import DataVersion, Event, Listing
from web.cache import data_state
from web.ical import Fragment, fragment

logger = logging.getLogger(__name__)

LOCK_WAIT_MS = 200
SQLITE_BUSY_MS = 30_000  # aggregator.db's default, restored for the pooled connection


def load_fragments(
    session: Session, where: Sequence[ColumnElement[bool]], version: int, limit: int | None = None
) -> list[Fragment]:
    """The fragments of the events matching ``where``, by start; missing ones rendered and stored.

    ``version`` is the data version read before anything else: fragments are stored only if it
    has not moved by then.
    """
    rows = session.execute(
        select(Event.id, Event.vevent, Event.timezone, Event.all_day, Event.start, Event.end)
        .where(*where)
        .order_by(Event.start, Event.id)
        .limit(limit)
    ).all()
    missing = [row.id for row in rows if row.vevent is None]
    rendered = render_fragments(session, missing, version) if missing else {}
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


def render_fragments(session: Session, ids: Sequence[int], version: int) -> dict[int, Fragment]:
    """Render the fragments of these events and store them for the next feed."""
    rendered: dict[int, Fragment] = {}
    for chunk in chunks(ids):
        events = session.scalars(
            select(Event)
            .where(Event.id.in_(chunk))
            .options(selectinload(Event.listings).selectinload(Listing.source))
        ).all()
        stamps = []
        for event in events:
            rendered[event.id] = fragment(event)
            stamps.append(
                {
                    "b_id": event.id,
                    "b_updated": event.updated_at,
                    "b_text": rendered[event.id].text,
                    "b_version": version,
                }
            )
        _store(session, stamps)
    return rendered


def _store(session: Session, stamps: list[dict[str, object]]) -> None:
    """Write fragments back unless their event changed since it was read (or is locked)."""
    table = Event.__table__
    assert isinstance(table, Table)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.updated_at == bindparam("b_updated"),
            table.c.vevent.is_(None),
            # Any event changed meanwhile, even unseen by subscribers: this text may be stale.
            func.coalesce(select(func.max(DataVersion.version)).scalar_subquery(), 0)
            == bindparam("b_version"),
        )
        .values(vevent=bindparam("b_text"))
    )
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        try:
            _wait_briefly(connection, LOCK_WAIT_MS)
            connection.execute(statement, stamps)
            connection.commit()
        except OperationalError as exc:
            connection.rollback()
            logger.info("fragments not stored this time (%s)", exc.orig.__class__.__name__)
        finally:
            if sqlite:
                _wait_briefly(connection, SQLITE_BUSY_MS)


def _wait_briefly(connection: Connection, milliseconds: int) -> None:
    """How long this connection waits for another writer's lock before giving up."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(milliseconds)}")
    else:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(milliseconds)}ms'")


def render_missing(session: Session) -> int:
    """Render and store every fragment the aggregator cleared (ahead of the first feed asking)."""
    version = data_state(session).version
    missing = list(session.scalars(select(Event.id).where(Event.vevent.is_(None)).order_by(Event.id)))
    render_fragments(session, missing, version)
    return len(missing)

"""The agenda's query, shared by pages, feeds and the API; what it costs to run is cached.

Counts, page contents and the earliest start of running events are cached per (filters, day, data
version): they stay exact until the aggregator changes an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from aggregator.export import local_midnight
from aggregator.models import Event
from web.cache import cached, versioned_key
from web.filters import Filters


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def earliest_start(session: Session, day: date) -> datetime:
    """The earliest start among the events still running on ``day`` (or its midnight)."""
    midnight = local_midnight(day)
    key = versioned_key("earliest", day)

    def build() -> datetime:
        # Read from the (end, start) index: the few events that began before the day and end in it
        # or after. (min() in SQL would walk the start index from the oldest event on SQLite.)
        running = session.scalars(select(Event.start).where(Event.end >= midnight, Event.start < midnight))
        return min([midnight, *running])

    return cached(key, build)


def where(session: Session, filters: Filters, start: date | None) -> list[ColumnElement[bool]]:
    """The WHERE clauses of these filters' events from ``start`` on (unless the filters say when)."""
    first, _ = filters.window(start)
    not_before = earliest_start(session, first) if first is not None else None
    return filters.conditions(dialect_of(session), start, not_before)


def count_matching(session: Session, filters: Filters, start: date | None) -> int:
    """How many events match."""
    key = versioned_key("count", filters.query_string, start)

    def build() -> int:
        return session.scalar(select(func.count(Event.id)).where(*where(session, filters, start))) or 0

    return cached(key, build)


def page_ids(session: Session, filters: Filters, start: date | None, page: int, size: int) -> list[int]:
    """The ids of one page of matching events, by start."""
    key = versioned_key("page", filters.query_string, start, page, size)

    def build() -> list[int]:
        query = (
            select(Event.id)
            .where(*where(session, filters, start))
            .order_by(Event.start, Event.id)
            .offset((page - 1) * size)
            .limit(size)
        )
        return list(session.scalars(query))

    return cached(key, build)


def load_in_order(session: Session, ids: Sequence[int], *options: ORMOption) -> list[Event]:
    """These events (a page's ids), in the order of ``ids``, loaded with ``options``."""
    events = session.scalars(select(Event).where(Event.id.in_(ids)).options(*options)).all()
    by_id = {event.id: event for event in events}
    return [by_id[i] for i in ids if i in by_id]

"""Counts per facet: how many events each value of a filter would give, the other filters kept.

Each facet is counted without its own filter, so the choices it offers stay visible once one is
picked. Counting scans the whole selection: results are cached per (filters, day, data version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, false, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from aggregator.models import Event, Listing, Source
from aggregator.normalize.categories import MOIS_ESS
from web.cache import app_cache, current_state
from web.filters import Filters
from web.search import category_items, has_category

TOP_CITIES = 15


@dataclass(frozen=True)
class Counts:
    """Events matching the filters, and per facet (value, count) pairs, largest first."""

    total: int
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    online: int = 0
    mois_ess: int = 0

    def count(self, facet: str, value: str) -> int:
        return dict(self.values.get(facet, [])).get(value, 0)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def count_matching(session: Session, filters: Filters, start: date | None) -> int:
    """How many events match, cached per data version."""
    key = ("count", filters.query_string, start, current_state().version)
    where = filters.conditions(dialect_of(session), start)
    total: int = app_cache().get_or_build(key, lambda: _count(session, where))
    return total


def facet_counts(session: Session, filters: Filters, start: date | None) -> Counts:
    """Every facet's counts for these filters, cached per data version."""
    key = ("facets", filters.query_string, start, current_state().version)
    counts: Counts = app_cache().get_or_build(key, lambda: _facet_counts(session, filters, start))
    return counts


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count(Event.id)).where(*where)) or 0


def _facet_counts(session: Session, filters: Filters, start: date | None) -> Counts:
    dialect = dialect_of(session)

    def others(param: str) -> list[ColumnElement[bool]]:
        return filters.without(param).conditions(dialect, start)

    values = {
        name: _by_column(session, column, others(name))
        for name, column in (("region", Event.region), ("department", Event.department), ("city", Event.city))
    }
    values["city"] = values["city"][:TOP_CITIES]
    items = category_items(dialect)
    values["category"] = _pairs(
        session,
        select(items.c.value, func.count(distinct(Event.id)))
        .select_from(Event)
        .join(items, true())
        .where(*others("category"))
        .group_by(items.c.value),
    )
    values["source"] = _pairs(
        session,
        select(Source.name, func.count(distinct(Event.id)))
        .select_from(Event)
        .join(Listing, Listing.event_id == Event.id)
        .join(Source, Source.id == Listing.source_id)
        .where(Listing.removed == false(), *others("source"))
        .group_by(Source.name),
    )
    online = _count(session, [*others("online"), Event.online == true()])
    mois_ess = _count(session, [*others("mois_ess"), has_category(dialect, (MOIS_ESS,))])
    total = _count(session, filters.conditions(dialect, start))
    return Counts(total=total, values=values, online=online, mois_ess=mois_ess)


def _by_column(
    session: Session, column: InstrumentedAttribute[str | None], where: list[ColumnElement[bool]]
) -> list[tuple[str, int]]:
    query = select(column, func.count(Event.id)).where(column.is_not(None), *where).group_by(column)
    return _pairs(session, query)


def _pairs(session: Session, query: Select[Any, int]) -> list[tuple[str, int]]:
    rows = session.execute(query).all()
    return sorted(((str(value), int(count)) for value, count in rows if value), key=lambda p: (-p[1], p[0]))

"""Counts per facet: how many events each value of a filter would give, the other filters kept.

Each facet is counted without its own filter, so the choices it offers stay visible once one is
picked. Facets whose filter is not set all count the same selection, so one scan serves them all:
a page without filters costs three grouped queries (places and format, categories, sources).
Counts are kept per (filters, day) with the data version they were counted at.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial

from flask import Flask, current_app
from sqlalchemy import ColumnElement, distinct, func, select, true
from sqlalchemy.orm import Session

from aggregator.models import Event, Listing, Source
from aggregator.normalize.categories import MOIS_ESS
from web.cache import app_cache, current_state, serve_stale
from web.db import get_session
from web.filters import Filters, category_slug, department_name
from web.labels import category_name
from web.queries import dialect_of, where
from web.search import category_items

TOP_CITIES = 15
PLACE_FACETS = ("region", "department", "city", "online")
FACETS = (*PLACE_FACETS, "category", "mois_ess", "source")


@dataclass(frozen=True)
class Counts:
    """Events matching the filters, and per facet (value, count) pairs, largest first."""

    total: int
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    online: int = 0
    in_person: int = 0
    mois_ess: int = 0

    def count(self, facet: str, value: str) -> int:
        return self._by_value.get(facet, {}).get(value, 0)

    @cached_property
    def _by_value(self) -> dict[str, dict[str, int]]:
        return {facet: dict(pairs) for facet, pairs in self.values.items()}


def facet_counts(session: Session, filters: Filters, start: date | None) -> Counts:
    """Every facet's counts for these filters.

    Counted once per data version; after a change, the previous counts are served while a
    background thread counts again (the events listed are always current: only the counts lag,
    for the time of one count).
    """
    key = ("facets", filters.query_string, start)
    version = current_state().version
    cached: tuple[int, Counts] | None = app_cache().get(key)
    if cached is not None:
        counted_at, counts = cached
        if counted_at != version:
            serve_stale()
            app_cache().refresh(key, partial(_count_in_context, _this_app(), filters, start))
        return counts
    counts = _facet_counts(session, filters, start)
    app_cache().put(key, (version, counts))
    return counts


def _this_app() -> Flask:
    """The app itself, not the request-bound proxy: a background thread outlives the request."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def _count_in_context(app: Flask, filters: Filters, start: date | None) -> tuple[int, Counts]:
    """Count in a fresh app context (its own session): what a background refresh runs."""
    with app.app_context():
        version = current_state().version
        return version, _facet_counts(get_session(), filters, start)


def _facet_counts(session: Session, filters: Filters, start: date | None) -> Counts:
    dialect = dialect_of(session)
    # Facets sharing the selection they count (their own filter removed) share its queries.
    groups: dict[Filters, list[str]] = defaultdict(list)
    for facet in FACETS:
        groups[filters.without(facet)].append(facet)
    groups.setdefault(filters, [])
    found: dict[str, Counter[str]] = {}
    total = 0
    for selection, facets in groups.items():
        clauses = where(session, selection, start)
        if selection == filters or any(f in PLACE_FACETS for f in facets):
            places = _places(session, clauses)
            found.update({f: places[f] for f in facets if f in PLACE_FACETS})
            if selection == filters:
                total = places["total"]["all"]
        if "category" in facets or "mois_ess" in facets:
            categories = _categories(session, dialect, clauses)
            found.update({f: categories for f in facets if f in ("category", "mois_ess")})
        if "source" in facets:
            found["source"] = _sources(session, clauses)
    values = {
        facet: _largest_first(found[facet])
        for facet in ("region", "department", "city", "category", "source")
    }
    values["city"] = values["city"][:TOP_CITIES]
    return Counts(
        total=total,
        values=values,
        online=found["online"]["1"],
        in_person=found["online"]["0"],
        mois_ess=found["mois_ess"][MOIS_ESS],
    )


def _places(session: Session, where: list[ColumnElement[bool]]) -> dict[str, Counter[str]]:
    """Counts by région, département, city and format, and the total, in one scan."""
    rows = session.execute(
        select(Event.region, Event.department, Event.city, Event.online, func.count(Event.id))
        .where(*where)
        .group_by(Event.region, Event.department, Event.city, Event.online)
    )
    counts: dict[str, Counter[str]] = {name: Counter() for name in (*PLACE_FACETS, "total")}
    for region, department, city, online, count in rows:
        for name, value in (("region", region), ("department", department), ("city", city)):
            if value:
                counts[name][value] += count
        counts["online"]["1" if online else "0"] += count
        counts["total"]["all"] += count
    return counts


def _categories(session: Session, dialect: str, where: list[ColumnElement[bool]]) -> Counter[str]:
    items = category_items(dialect)
    rows = session.execute(
        select(items.c.value, func.count(distinct(Event.id)))
        .select_from(Event)
        .join(items, true())
        .where(*where)
        .group_by(items.c.value)
    )
    return Counter({str(value): count for value, count in rows if value})


def _sources(session: Session, where: list[ColumnElement[bool]]) -> Counter[str]:
    rows = session.execute(
        select(Source.name, func.count(distinct(Event.id)))
        .select_from(Event)
        .join(Listing, Listing.event_id == Event.id)
        .join(Source, Source.id == Listing.source_id)
        # "!=" keeps SQLite from driving the join from every listing through the removed-flag index:
        # the events of the window come first, then their listings.
        .where(Listing.removed != true(), *where)
        .group_by(Source.name)
    )
    return Counter({name: count for name, count in rows})


def _largest_first(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


# One checkbox of a facet: (value in the URL, label, count, checked).
Option = tuple[str, str, int, bool]


def facet_options(
    facet: str,
    filters: Filters,
    counts: Counts,
    every: Sequence[str] = (),
    titles: Mapping[str, str] | None = None,
) -> list[Option]:
    """The choices a facet offers: values with events (all of ``every``), and those picked.

    Sources show by title; the Mois de l'ESS has its own checkbox, so it is no category here.
    """
    chosen: tuple[str, ...] = getattr(filters, facet)
    if every:
        values = list(every)
    elif facet == "source":
        values = [name for name in (titles or {}) if counts.count("source", name) or name in chosen]
    else:
        listed = [value for value, _ in counts.values.get(facet, [])]
        values = [*listed, *(value for value in chosen if value not in listed)]
        if facet == "department":
            values.sort()
    options: list[Option] = []
    for value in values:
        if facet == "category" and (value == MOIS_ESS or not category_slug(value)):
            continue
        options.append((*_shown(facet, value, titles), counts.count(facet, value), value in chosen))
    return options


def _shown(facet: str, value: str, titles: Mapping[str, str] | None) -> tuple[str, str]:
    """A facet value as the URL says it, and as the reader sees it."""
    if facet == "category":
        return category_slug(value) or value, category_name(value)
    if facet == "department":
        return value, f"{value} – {department_name(value)}"
    if facet == "source":
        return value, (titles or {}).get(value, value)
    return value, value

"""The agenda: upcoming events day by day, and a month at a glance, for any filters."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import groupby

from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from aggregator.models import Event
from web.dates import today
from web.db import get_session
from web.facets import facet_counts
from web.filters import PARAMS, FilterError, Filters, check_sources, describe, regions, source_titles
from web.links import filtered_url
from web.queries import load_in_order, page_ids, where

bp = Blueprint("agenda", __name__)

PER_PAGE = 40
MAX_PAGE = 10_000
CELL_EVENTS = 4


def page_number() -> int:
    """The ``page`` parameter: a positive integer, 1 when absent."""
    raw = request.args.get("page", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise FilterError("page", gettext("« %(value)s » n'est pas un numéro de page.", value=raw))
    return int(raw)


def canonical_redirect(filters: Filters, page: int = 1, **values: str) -> Response | None:
    """Send a form submission's empty fields away, so shared URLs stay short and stable."""
    if all(request.args.get(param, "x").strip() for param in [*PARAMS, "page"] if param in request.args):
        return None
    return redirect(filtered_url(request.endpoint or "agenda.index", filters, page, **values))


# The long columns lists never show, left unloaded.
LIST_ONLY = (defer(Event.description), defer(Event.vevent))


def by_day(events: Sequence[Event], first: date) -> list[tuple[date, list[Event]]]:
    """Events grouped under their first day; those already under way under the window's first."""
    return [(day, list(group)) for day, group in groupby(events, key=lambda e: max(e.start_date, first))]


@bp.get("/")
def index() -> Response | str:
    """Upcoming events grouped by day, filtered, counted per facet, paginated."""
    filters = Filters.parse(request.args)
    page = page_number()
    moved = canonical_redirect(filters, page)
    if moved is not None:
        return moved
    session = get_session()
    titles = source_titles(session)
    check_sources(filters, titles)
    start = today()
    counts = facet_counts(session, filters, start)
    pages = max(1, -(-counts.total // PER_PAGE))
    events = load_in_order(session, page_ids(session, filters, start, page, PER_PAGE), *LIST_ONLY)
    return render_template(
        "agenda/index.html",
        filters=filters,
        days=by_day(events, filters.start or start),
        counts=counts,
        page=page,
        pages=pages,
        regions=regions(),
        titles=titles,
        description=describe(filters, titles),
        today=start,
    )


def _month(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise FilterError(
            "mois",
            gettext(
                "« %(value)s » n'est pas un mois : écrivez-le AAAA-MM, par exemple 2026-11.", value=value
            ),
        ) from None
    if not 1990 <= year <= 2100:
        raise FilterError("mois", gettext("Le mois %(value)s est hors de 1990–2100.", value=value))
    return first


@bp.get("/mois/")
def this_month() -> Response:
    """The current month."""
    filters = Filters.parse(request.args).without("from", "to")
    return redirect(filtered_url("agenda.month", filters, month=f"{today():%Y-%m}"))


@bp.get("/mois/<month>")
def month(month: str) -> Response | str:
    """A month as a calendar grid, with the same filters as the agenda (dates aside)."""
    first = _month(month)
    filters = Filters.parse(request.args).without("from", "to")
    moved = canonical_redirect(filters, month=month)
    if moved is not None:
        return moved
    session = get_session()
    titles = source_titles(session)
    check_sources(filters, titles)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    ranged = replace(filters, start=first, end=last)
    events = session.scalars(
        select(Event)
        .where(*where(session, ranged, first))
        .order_by(Event.start, Event.id)
        .options(*LIST_ONLY)
    ).all()
    counts = facet_counts(session, ranged, first)
    weeks = [
        [(day, [e for e in events if e.start_date <= day <= e.end_date]) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    return render_template(
        "agenda/month.html",
        filters=filters,
        first=first,
        weeks=weeks,
        total=len(events),
        counts=counts,
        regions=regions(),
        previous=(first - timedelta(days=1)).replace(day=1),
        following=last + timedelta(days=1),
        titles=titles,
        description=describe(filters, titles),
        today=today(),
        cell_events=CELL_EVENTS,
    )

"""The agenda: upcoming events day by day, a week, a month at a glance (past ones too), for any filters."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import groupby

from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import defer
from sqlalchemy.orm.interfaces import ORMOption
from werkzeug.wrappers import Response

from aggregator.models import Event
from web.dates import iso_week, today, weekend_of
from web.db import get_session
from web.facets import facet_counts
from web.filters import PARAMS, FilterError, Filters, checked_titles, describe, regions
from web.http import kept_view
from web.images import kept_images
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
    if all(value.strip() for param in [*PARAMS, "page"] for value in request.args.getlist(param)):
        return None
    return redirect(filtered_url(request.endpoint or "agenda.index", filters, page, **values))


# The long columns lists never show, left unloaded; lists of days show the description's start.
LIST_ONLY = (defer(Event.description), defer(Event.vevent))
WITH_EXCERPT = (defer(Event.vevent),)


def by_day(events: Sequence[Event], first: date) -> list[tuple[date, list[Event]]]:
    """Events grouped under their first day; those already under way under the window's first."""
    return [(day, list(group)) for day, group in groupby(events, key=lambda e: max(e.start_date, first))]


@bp.get("/")
@kept_view
def index() -> Response | str:
    """Upcoming events grouped by day, filtered, counted per facet, paginated."""
    filters = Filters.parse(request.args)
    page = page_number()
    moved = canonical_redirect(filters, page)
    if moved is not None:
        return moved
    session = get_session()
    titles = checked_titles(session, filters)
    start = today()
    counts = facet_counts(session, filters, start)
    pages = max(1, -(-counts.total // PER_PAGE))
    weekend = (filters.start, filters.end) == weekend_of(start)
    events = load_in_order(session, page_ids(session, filters, start, page, PER_PAGE), *WITH_EXCERPT)
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
        view="weekend" if weekend else "list",
        images=kept_images(events),
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
@kept_view
def month(month: str) -> Response | str:
    """A month as a calendar grid, with the same filters as the agenda (dates aside)."""
    first = _month(month)
    filters = Filters.parse(request.args).without("from", "to")
    moved = canonical_redirect(filters, month=month)
    if moved is not None:
        return moved
    session = get_session()
    titles = checked_titles(session, filters)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    ranged = filters.between(first, last)
    days = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    # The grid's first and last weeks show the neighbouring months' days, with their events.
    events = _events_between(filters, days[0][0], days[-1][-1])
    counts = facet_counts(session, ranged, first)
    on = _by_day(events, days[0][0], days[-1][-1])
    weeks = [[(day, on.get(day, [])) for day in week] for week in days]
    this_month = today().replace(day=1)
    return render_template(
        "agenda/month.html",
        filters=filters,
        first=first,
        weeks=weeks,
        total=sum(1 for e in events if e.start_date <= last and e.end_date >= first),
        counts=counts,
        regions=regions(),
        previous=(first - timedelta(days=1)).replace(day=1),
        following=last + timedelta(days=1),
        titles=titles,
        description=describe(filters, titles),
        today=today(),
        cell_events=CELL_EVENTS,
        view="past" if first < this_month else "month" if first == this_month else None,
    )


def _events_between(
    filters: Filters, first: date, last: date, options: Sequence[ORMOption] = LIST_ONLY
) -> Sequence[Event]:
    """The filtered events running on any day from ``first`` to ``last``, by start."""
    session = get_session()
    ranged = filters.between(first, last)
    return session.scalars(
        select(Event).where(*where(session, ranged, first)).order_by(Event.start, Event.id).options(*options)
    ).all()


def _by_day(events: Sequence[Event], first: date, last: date) -> dict[date, list[Event]]:
    """The events on each day from ``first`` to ``last``, in their order: each event's own days
    once, rather than every event asked about every day."""
    days: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        day, end = max(event.start_date, first), min(event.end_date, last)
        while day <= end:
            days[day].append(event)
            day += timedelta(days=1)
    return days


def _week(value: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www``."""
    try:
        year, week = value.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise FilterError(
            "semaine",
            gettext(
                "« %(value)s » n'est pas une semaine : écrivez-la comme %(example)s.",
                value=value,
                example=iso_week(today()),
            ),
        ) from None
    if not 1990 <= monday.year <= 2100:
        raise FilterError("semaine", gettext("La semaine %(value)s est hors de 1990–2100.", value=value))
    return monday


@bp.get("/semaine/")
def this_week() -> Response:
    """The current week."""
    filters = Filters.parse(request.args).without("from", "to")
    return redirect(filtered_url("agenda.week", filters, week=iso_week(today())))


@bp.get("/semaine/<week>")
@kept_view
def week(week: str) -> Response | str:
    """A week, Monday to Sunday, day by day, with the same filters as the agenda (dates aside)."""
    monday = _week(week)
    filters = Filters.parse(request.args).without("from", "to")
    canonical = iso_week(monday)
    moved = canonical_redirect(filters, week=canonical)
    if moved is not None or week != canonical:
        return moved or redirect(filtered_url("agenda.week", filters, week=canonical))
    session = get_session()
    titles = checked_titles(session, filters)
    sunday = monday + timedelta(days=6)
    events = _events_between(filters, monday, sunday, WITH_EXCERPT)
    on = _by_day(events, monday, sunday)
    return render_template(
        "agenda/week.html",
        filters=filters,
        monday=monday,
        sunday=sunday,
        days=[(day, on.get(day, [])) for day in (monday + timedelta(days=n) for n in range(7))],
        total=len(events),
        counts=facet_counts(session, filters.between(monday, sunday), monday),
        regions=regions(),
        previous=iso_week(monday - timedelta(days=7)),
        following=iso_week(monday + timedelta(days=7)),
        titles=titles,
        description=describe(filters, titles),
        today=today(),
        view="week" if monday <= today() <= sunday else None,
        images=kept_images(events),
    )

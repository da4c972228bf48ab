"""The JSON API: the agenda's events with the agenda's filters, page by page.

Each event has the shape of ``ess-agenda events --json`` (aggregator.export.event_as_dict) plus
``links`` to its page and its .ics. Described in ``/api/openapi.json`` and the README.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from flask_babel import gettext
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from aggregator.export import event_as_dict
from aggregator.models import Event, Listing
from web.agenda import page_number
from web.dates import today
from web.db import get_session
from web.events import find_event
from web.filters import FilterError, Filters, checked_titles
from web.http import kept_view
from web.links import filtered_url
from web.openapi import openapi_document
from web.queries import count_matching, load_in_order, page_ids

bp = Blueprint("api", __name__, url_prefix="/api")

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


def per_page() -> int:
    raw = request.args.get("per_page", "").strip()
    if not raw:
        return DEFAULT_PER_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise FilterError(
            "per_page", gettext("per_page : un entier de 1 à %(max)s est attendu.", max=MAX_PER_PAGE)
        )
    return int(raw)


def with_links(event: Event) -> dict[str, Any]:
    data = event_as_dict(event)
    data["links"] = {
        "html": url_for("events.show", uid=event.uid, _external=True),
        "ics": url_for("feeds.event_calendar", uid=event.uid, _external=True),
    }
    return data


@bp.get("/events")
@kept_view
def events() -> Response:
    """Upcoming events matching the filters, one page at a time."""
    filters = Filters.parse(request.args)
    page, size = page_number(), per_page()
    session = get_session()
    checked_titles(session, filters)
    start = today()
    total = count_matching(session, filters, start)
    ids = page_ids(session, filters, start, page, size)
    rows = load_in_order(session, ids, selectinload(Event.listings).selectinload(Listing.source))
    pages = max(1, -(-total // size))

    def link(number: int) -> str | None:
        if not 1 <= number <= pages:
            return None
        extra = {"per_page": size} if size != DEFAULT_PER_PAGE else {}
        return filtered_url("api.events", filters, number, _external=True, **extra)

    return jsonify(
        {
            "filters": filters.to_args(),
            "page": page,
            "per_page": size,
            "total": total,
            "pages": pages,
            "links": {"self": link(page) or request.url, "next": link(page + 1), "prev": link(page - 1)},
            "events": [with_links(event) for event in rows],
        }
    )


@bp.get("/events/<uid>")
def event(uid: str) -> Response:
    """One event; an absorbed UID redirects to the event that survived."""
    found = find_event(uid)
    if isinstance(found, str):
        return redirect(url_for("api.event", uid=found), 301)
    return jsonify(with_links(found))


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI description of this API."""
    return jsonify(openapi_document(url_for("agenda.index", _external=True).rstrip("/")))

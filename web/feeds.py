"""iCalendar feeds."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, current_app

from aggregator.export import events_query
from web.db import get_session
from web.ical import render_calendar

bp = Blueprint("feeds", __name__)


@bp.get("/calendar.ics")
def calendar() -> Response:
    """Every event from a few days ago on, as iCalendar."""
    since = date.today() - timedelta(days=current_app.config["FEED_PAST_DAYS"])
    events = get_session().scalars(events_query(start=since))
    body = render_calendar(events, name="ESS Agenda")
    return Response(body, mimetype="text/calendar", content_type="text/calendar; charset=utf-8")

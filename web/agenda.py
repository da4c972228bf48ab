"""The agenda: upcoming events, day by day."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby

from flask import Blueprint, render_template

from aggregator.export import events_query
from web.db import get_session

bp = Blueprint("agenda", __name__)


@bp.get("/")
def index() -> str:
    """Upcoming events grouped by day."""
    today = date.today()
    events = list(get_session().scalars(events_query(start=today - timedelta(days=0))))
    days = [(day, list(group)) for day, group in groupby(events, key=lambda e: e.start_date)]
    return render_template("agenda/index.html", days=days)

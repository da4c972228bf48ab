"""What browsers and search engines ask every site for: a favicon, robots.txt and a sitemap."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from aggregator.export import local_midnight
from aggregator.models import Event
from web.dates import iso_week, today
from web.db import get_session

bp = Blueprint("site", __name__)

# A sitemap holds at most 50,000 URLs: the views first, then the soonest events.
SITEMAP_LIMIT = 50_000
MONTHS_AHEAD = 12


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.ico")


@bp.get("/robots.txt")
def robots() -> Response:
    """Everything public may be crawled; the admin and the language switch are not pages."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /lang/",
        f"Sitemap: {url_for('site.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """The agenda's views (the list, this week, this month and the year ahead), then its events
    from today on, each with its last change."""
    start = today()
    views = [url_for("agenda.index", _external=True)]
    views.append(url_for("agenda.week", week=iso_week(start), _external=True))
    month = start.replace(day=1)
    for _ in range(MONTHS_AHEAD):
        views.append(url_for("agenda.month", month=f"{month:%Y-%m}", _external=True))
        month = (month + timedelta(days=31)).replace(day=1)
    rows = get_session().execute(
        select(Event.uid, Event.updated_at)
        .where(func.coalesce(Event.end, Event.start) >= local_midnight(start))
        .order_by(Event.start, Event.id)
        .limit(SITEMAP_LIMIT - len(views))
    )
    events = [(url_for("events.show", uid=uid, _external=True), updated) for uid, updated in rows]
    body = render_template("site/sitemap.xml", views=views, events=events)
    return Response(body, mimetype="application/xml")

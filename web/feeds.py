"""Feeds: ``/calendar.ics`` and ``/feed.atom`` for any filters, ``/events/<uid>.ics`` for one event.

A feed body depends only on its filters, the day (the window slides daily) and the data version:
it is built once per change, kept in the app cache, and answered with 304 while unchanged.
Settings: ``FEED_PAST_DAYS`` (how many past days iCal feeds keep), ``ATOM_ENTRIES``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as BaseResponse

from aggregator.clock import HOME_ZONE
from aggregator.export import local_midnight
from aggregator.models import Event, EventAlias, Listing
from core.text import XML_ILLEGAL
from web.cache import current_state, versioned_key
from web.dates import today
from web.db import get_session
from web.filters import Filters, checked_titles, describe
from web.fragments import load_fragments
from web.http import HighWater, Representation, cached_representation, etag_for, send
from web.ical import assemble
from web.links import filtered_url
from web.queries import where

bp = Blueprint("feeds", __name__)

ICAL_TYPE = "text/calendar; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
SITE_NAME = "Agenda de l'ESS"
MAX_AGE = 300


@bp.after_app_request
def vary_on_encoding_only(response: BaseResponse) -> BaseResponse:
    """A feed's body never depends on the session: a look at it (Flask-Login's, after every
    request) must not add ``Vary: Cookie``, which keeps shared caches from serving the feed.

    Registered on the app with the blueprint, before the admin's login manager: Flask runs
    after-request functions last registered first, so this one sees the session after it."""
    if request.blueprint == bp.name and not session.modified:
        session.accessed = False
    return response


def feed_start() -> date:
    """The first day iCal feeds keep: subscribers still see last week's events."""
    return today() - timedelta(days=int(current_app.config["FEED_PAST_DAYS"]))


def last_modified(day: date) -> datetime:
    """The data's last change, or the day the window last slid, whichever is later: never earlier
    than a previous answer for the same URL, and moving whenever the body may have changed."""
    moment = max(current_state().changed_at, local_midnight(day).astimezone(UTC))
    high_water: HighWater = current_app.extensions["ess_agenda_last_modified"]
    return high_water.at_least(moment.replace(microsecond=0))


def calendar_name(filters: Filters, titles: dict[str, str]) -> str:
    with force_locale("fr"):
        words = " ".join(describe(filters, titles, "fr").split())  # one line, whatever a title holds
    return f"{SITE_NAME} — {words}" if words else SITE_NAME


@bp.get("/calendar.ics")
def calendar() -> Response:
    """The events of any agenda view, from a week ago on, as an iCalendar subscription."""
    filters = Filters.parse(request.args)
    start = feed_start()
    key = versioned_key("ics", filters.query_string, start)

    def build() -> Representation:
        session = get_session()
        titles = checked_titles(session, filters)
        fragments = load_fragments(session, where(session, filters, start))
        body = assemble(calendar_name(filters, titles), fragments)
        return Representation(body, etag_for(*key), last_modified(today()), ICAL_TYPE)

    return send(cached_representation(key, build), MAX_AGE)


@bp.get("/feed.atom")
def atom() -> Response:
    """The next events of any agenda view as an Atom feed."""
    filters = Filters.parse(request.args)
    start = today()
    key = versioned_key("atom", filters.query_string, start, request.host_url)

    def build() -> Representation:
        session = get_session()
        titles = checked_titles(session, filters)
        events = session.scalars(
            select(Event)
            .where(*where(session, filters, start))
            .order_by(Event.start, Event.id)
            .limit(int(current_app.config["ATOM_ENTRIES"]))
            .options(selectinload(Event.listings).selectinload(Listing.source))
        ).all()
        updated = last_modified(start)
        with force_locale("fr"):
            body = render_template(
                "feeds/atom.xml",
                events=events,
                filters=filters,
                title=calendar_name(filters, titles),
                updated=updated,
                self_url=filtered_url("feeds.atom", filters, _external=True),
            )
        # One character XML forbids, stored before normalization stripped it, would spoil the feed.
        body = XML_ILLEGAL.sub("", body)
        return Representation(body.encode("utf-8"), etag_for(*key), updated, ATOM_TYPE)

    return send(cached_representation(key, build), MAX_AGE)


@bp.get("/events/<uid>.ics")
def event_calendar(uid: str) -> BaseResponse:
    """One event as an .ics file to add to a calendar."""
    session = get_session()
    event = session.scalars(select(Event).where(Event.uid == uid)).one_or_none()
    if event is None:
        alias = session.get(EventAlias, uid)
        if alias is None:
            abort(404, gettext("Aucun événement n'a l'identifiant %(uid)s.", uid=uid))
        return redirect(url_for("feeds.event_calendar", uid=alias.event.uid), 301)
    key = versioned_key("event-ics", uid)

    def build() -> Representation:
        fragments = load_fragments(session, [Event.id == event.id])
        body = assemble(None, fragments, event.timezone or HOME_ZONE)
        return Representation(body, etag_for(*key), last_modified(today()), ICAL_TYPE)

    return send(cached_representation(key, build), MAX_AGE, filename=f"{_slug(event.title)}.ics")


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "evenement"

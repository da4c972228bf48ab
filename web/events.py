"""One event's page; the UIDs a merge absorbed redirect to the event that survived."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from aggregator.models import Event, EventAlias, Listing
from web.db import get_session
from web.filters import Filters, checked_titles, describe
from web.http import kept_view
from web.ical import place_text, sources_of
from web.images import kept_images
from web.jsonld import event_jsonld
from web.links import google_event_link, map_link

bp = Blueprint("events", __name__)


def find_event(uid: str) -> Event | str:
    """The event with this UID, or the UID of the event that absorbed it.

    :raise 404: when no event ever had this UID.
    """
    session = get_session()
    event = session.scalars(
        select(Event)
        .where(Event.uid == uid)
        .options(selectinload(Event.listings).selectinload(Listing.source))
    ).one_or_none()
    if event is not None:
        return event
    alias = session.get(EventAlias, uid)
    if alias is None:
        abort(404, gettext("Aucun événement n'a l'identifiant %(uid)s.", uid=uid))
    return alias.event.uid


@bp.get("/events/<uid>")
@kept_view
def show(uid: str) -> Response | str:
    """The event: when, where, what, who announced it, and how to add it to a calendar."""
    filters = Filters.parse(request.args)
    found = find_event(uid)
    if isinstance(found, str):
        args: dict[str, Any] = filters.to_args()
        return redirect(url_for("events.show", uid=found, **args), 301)
    event = found
    titles = checked_titles(get_session(), filters)
    page_url = url_for("events.show", uid=event.uid, _external=True)
    return render_template(
        "events/show.html",
        event=event,
        filters=filters,
        description=describe(filters, titles),
        sources=sources_of(event),
        place=place_text(event),
        page_url=page_url,
        jsonld=event_jsonld(event, page_url),
        google_link=google_event_link(event),
        map_link=map_link(event),
        image=kept_images([event]).get(event.image or ""),
    )

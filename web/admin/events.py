"""One event as the operators see it: the listings it was merged from, and where its sources disagree
on its times or its place, with the value chosen and why."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from aggregator.dedup.disagreements import event_disagreements
from aggregator.dedup.precedence import listing_role
from web.admin import bp
from web.events import find_event


@bp.get("/events/<uid>")
def event(uid: str) -> Response | str:
    """The event's sources and their disagreements; an absorbed UID leads to the event that took it."""
    found = find_event(uid)
    if isinstance(found, str):
        return redirect(url_for("admin.event", uid=found))
    listings = sorted(found.listings, key=lambda listing: (listing.removed, listing.source.name, listing.key))
    return render_template(
        "admin/event.html",
        event=found,
        listings=listings,
        roles={listing.id: listing_role(listing.source, listing) for listing in listings},
        disagreements=event_disagreements(found),
    )

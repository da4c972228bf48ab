"""Merge a cluster of listings into its canonical event's fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aggregator.models import Event, Listing
from aggregator.types import utcnow

VISIBLE_FIELDS = ("title", "start", "end", "all_day", "location_name", "city", "status")
MERGED_FIELDS = (
    "title",
    "description",
    "start",
    "end",
    "all_day",
    "timezone",
    "url",
    "image",
    "status",
    "online",
    "location_name",
    "address",
    "postcode",
    "city",
    "insee",
    "department",
    "region",
    "lat",
    "lon",
    "organizer",
    "categories",
)


def _richness(listing: Listing) -> tuple[int, int, int]:
    place = sum(bool(getattr(listing, f)) for f in ("location_name", "address", "postcode", "city"))
    return (not listing.all_day, place, len(listing.description or ""))


def merged_fields(listings: Sequence[Listing]) -> dict[str, Any]:
    """The canonical fields: the richest listing's, cancelled when any source cancels."""
    best = max(listings, key=_richness)
    fields = {name: getattr(best, name) for name in MERGED_FIELDS}
    if any(listing.status == "cancelled" for listing in listings):
        fields["status"] = "cancelled"
    return fields


def apply_fields(event: Event, fields: dict[str, Any]) -> bool:
    """Copy merged fields onto the event; bump SEQUENCE when what subscribers see changed."""
    visible = any(getattr(event, name, None) != fields[name] for name in VISIBLE_FIELDS)
    changed = any(getattr(event, name, None) != value for name, value in fields.items())
    for name, value in fields.items():
        setattr(event, name, value)
    if changed:
        event.vevent = None
        event.updated_at = utcnow()
    if visible and event.id is not None:
        event.sequence = (event.sequence or 0) + 1
    return changed

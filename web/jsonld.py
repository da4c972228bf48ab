"""schema.org ``Event`` for an event page (rendered with ``tojson``, which escapes ``</script>``)."""

from __future__ import annotations

from typing import Any

from aggregator.models import Event
from core.status import CANCELLED, POSTPONED
from web.ical import sources_of

EVENT_STATUS = {
    CANCELLED: "https://schema.org/EventCancelled",
    POSTPONED: "https://schema.org/EventPostponed",
}


def _moment(event: Event, end: bool = False) -> str | None:
    if event.all_day:
        return (event.end_date if end else event.start_date).isoformat()
    value = event.local_end if end else event.local_start
    return value.isoformat() if value is not None else None


def _location(event: Event, page_url: str) -> dict[str, Any]:
    if event.online:
        return {"@type": "VirtualLocation", "url": event.url or page_url}
    address = {
        "@type": "PostalAddress",
        "streetAddress": event.address,
        "postalCode": event.postcode,
        "addressLocality": event.city,
        "addressRegion": event.region,
        "addressCountry": "FR",
    }
    place: dict[str, Any] = {
        "@type": "Place",
        "name": event.location_name or event.city or "",
        "address": {k: v for k, v in address.items() if v},
    }
    if event.lat is not None and event.lon is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": event.lat, "longitude": event.lon}
    return place


def event_jsonld(event: Event, page_url: str) -> dict[str, Any]:
    """The event as schema.org sees it: status, attendance mode, place, organizer, sources."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": page_url,
        "startDate": _moment(event),
        "eventStatus": EVENT_STATUS.get(event.status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": "https://schema.org/"
        + ("OnlineEventAttendanceMode" if event.online else "OfflineEventAttendanceMode"),
        "location": _location(event, page_url),
    }
    end = _moment(event, end=True)
    if end:
        data["endDate"] = end
    if event.description:
        data["description"] = event.description
    if event.organizer:
        data["organizer"] = {"@type": "Organization", "name": event.organizer}
    if event.image:
        data["image"] = event.image
    if event.categories:
        data["keywords"] = ", ".join(str(c) for c in event.categories)
    links = [url for _, url in sources_of(event) if url]
    if links:
        data["sameAs"] = links
    return data

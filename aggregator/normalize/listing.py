"""One item → the normalized columns of a Listing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from aggregator.normalize.times import TimeError, normalize_times, zone
from spiders.constants import DEFAULT_TIMEZONE, STATUSES

TEXT_FIELDS = (
    "title",
    "description",
    "location_name",
    "address",
    "postcode",
    "city",
    "insee",
    "department",
    "region",
    "organizer",
    "url",
    "image",
)
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000


class NormalizationError(ValueError):
    """An item that cannot become a listing (no title, impossible dates…)."""


def _text(value: Any, limit: int = 2000) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN


def normalize_item(item: Mapping[str, Any], default_region: str | None = None) -> dict[str, Any]:
    """The Listing columns for ``item``; raises NormalizationError on what cannot be stored."""
    title = _text(item.get("title"), MAX_TITLE)
    if not title:
        raise NormalizationError("no title")
    key = _text(item.get("key"), 500) or _text(item.get("url"), 500)
    if not key:
        raise NormalizationError(f"no key for {title!r}")
    tz = zone(item.get("timezone"), DEFAULT_TIMEZONE)
    try:
        start, end, all_day = normalize_times(item.get("start"), item.get("end"), item.get("all_day"), tz)
    except TimeError as exc:
        raise NormalizationError(f"{title!r}: {exc}") from exc

    fields: dict[str, Any] = {name: _text(item.get(name)) for name in TEXT_FIELDS}
    fields.update(
        key=key,
        title=title,
        description=(_text(item.get("description"), MAX_DESCRIPTION) or ""),
        start=start,
        end=end,
        all_day=all_day,
        timezone=tz.key,
        lat=_float(item.get("lat")),
        lon=_float(item.get("lon")),
        online=bool(item.get("online")),
        categories=[c for c in (_text(c, 100) for c in item.get("categories") or []) if c],
        status=item.get("status") if item.get("status") in STATUSES else "confirmed",
        raw=_jsonable(item.get("raw") or {}),
    )
    from aggregator.normalize.places import resolve_place

    fields.update(resolve_place(fields, default_region))
    fields["content_hash"] = content_hash(fields)
    return fields


def content_hash(fields: Mapping[str, Any]) -> str:
    """A digest of what a listing says, to skip rewriting unchanged listings."""
    payload = {k: v for k, v in fields.items() if k not in ("raw", "content_hash")}
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))

"""Time zones: the mainland's, and whether a name is a real IANA zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Paris"


def named_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name`` exactly, or None when no zone has that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None

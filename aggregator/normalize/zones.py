"""The time zone of an event: the one its source states, else its département's, else Paris."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.zones import DEFAULT_TIMEZONE, named_zone

# Overseas départements and collectivités keep their own local time; the rest of France is on Paris.
DEPARTMENT_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "984": "Indian/Kerguelen",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
# The overseas régions are single départements: a région alone still tells the zone.
REGION_ZONES = {
    "Guadeloupe": "America/Guadeloupe",
    "Martinique": "America/Martinique",
    "Guyane": "America/Cayenne",
    "La Réunion": "Indian/Reunion",
    "Mayotte": "Indian/Mayotte",
}
# A feed's technical zone, not where anything happens: the place decides instead.
NEUTRAL_ZONES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Universal", "Zulu"})


def stated_zone(name: str | None) -> ZoneInfo | None:
    """The zone a source names, if it is a real, non-neutral IANA zone."""
    if not name or name.strip() in NEUTRAL_ZONES:
        return None
    return named_zone(name.strip())


def zone_abroad(name: str | None) -> bool:
    """Whether a source's zone is a real one that no part of France keeps."""
    zone = stated_zone(name)
    french = {DEFAULT_TIMEZONE, *DEPARTMENT_ZONES.values(), *REGION_ZONES.values()}
    return zone is not None and zone.key not in french


def wall_clock(value: datetime, zone: ZoneInfo) -> datetime:
    """``value`` read in ``zone`` when its offset is one the zone does not have at that time: pages
    label their wall-clock times with a wrong offset ("+00:00", summer time in November) more often
    than they give instants in another zone."""
    if value.tzinfo is None or value.utcoffset() == value.replace(tzinfo=zone).utcoffset():
        return value
    return value.replace(tzinfo=zone)


def place_zone(department: str | None, region: str | None = None, source: str | None = None) -> ZoneInfo:
    """The local zone of a département code, else the source's own zone, else a région's, else
    Europe/Paris (the mainland)."""
    if department:
        return ZoneInfo(DEPARTMENT_ZONES.get(department, DEFAULT_TIMEZONE))
    return stated_zone(source) or ZoneInfo(REGION_ZONES.get(region or "") or DEFAULT_TIMEZONE)


def event_zone(
    stated: str | None, department: str | None, region: str | None = None, source: str | None = None
) -> ZoneInfo:
    """The stated zone, else the place's (``source``: the zone the source's options give)."""
    return stated_zone(stated) or place_zone(department, region, source)

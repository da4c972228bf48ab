"""Event times: aware instants in the event's own zone; all-day events as local midnights."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_YEAR = 1990
MAX_YEAR = 2100


class TimeError(ValueError):
    """Times that cannot describe a real event."""


def zone(name: str | None, default: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def to_instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    """An aware datetime; a date becomes its local midnight, a naive time is read in ``tz``."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=tz)
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


def normalize_times(
    start: date | datetime | None,
    end: date | datetime | None,
    all_day: bool | None,
    tz: ZoneInfo,
) -> tuple[datetime, datetime | None, bool]:
    """(start, end, all_day) checked: a start is required, years are plausible, end follows start."""
    if start is None:
        raise TimeError("no start date")
    is_all_day = bool(all_day) if all_day is not None else not isinstance(start, datetime)
    if is_all_day:
        start = start.date() if isinstance(start, datetime) else start
        end = end.date() if isinstance(end, datetime) else end
    begin = to_instant(start, tz)
    finish = to_instant(end, tz) if end is not None else None
    for moment in (begin, finish):
        if moment is not None and not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise TimeError(f"implausible year {moment.year}")
    if finish is not None and finish < begin:
        raise TimeError(f"end {finish.isoformat()} before start {begin.isoformat()}")
    if finish is not None and not is_all_day and finish == begin:
        finish = None
    return begin.astimezone(tz), finish.astimezone(tz) if finish else None, is_all_day
